/**
 * Issue 11 §6: the ladder PNG's alt text goes to `files.getUploadURLExternal` as `alt_txt` (its documented name,
 * up to 1,000 characters), and a refused message's fallback is worded by Slack's actual error. Against the fake
 * Slack Web API, which refuses unknown argument names.
 */
import { webApi } from '@slack/bolt';
import { SlackThreadReporter, type SlackReporterDeps } from '../../../src/adapters/slack/reporter';
import { ALT_TXT_MAX, uploadFiles } from '../../../src/adapters/slack/upload';
import { FakeSlack, TEST_PACING } from '../../support/fakeSlack';
import { TINY_PNG, makeRequest, makeResult, recordingLogger, testChannelQueue } from './fixtures';

const TOKEN = 'xoxb-test-token';

describe('uploads and refusals against the fake Slack Web API', () => {
  let fake: FakeSlack;
  beforeEach(async () => {
    fake = await FakeSlack.start({ pacing: TEST_PACING });
  });
  afterEach(async () => {
    await fake.close();
  });

  const client = () => new webApi.WebClient(TOKEN, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, logger: recordingLogger() });
  function deps(overrides: Partial<SlackReporterDeps> = {}): SlackReporterDeps {
    return { client: client(), progressClient: client(), logger: recordingLogger(), clock: () => 0, maxSeconds: 120, channelQueue: testChannelQueue(), schedule: () => () => undefined, ...overrides };
  }

  it('sends the ladder PNG\'s alt text as alt_txt, never alt_text, and none for text files', async () => {
    const r = new SlackThreadReporter(deps(), { channelId: 'C0INCIDENT' });
    await r.start(makeRequest());
    await r.result(makeResult());
    const urlCalls = fake.calls('files.getUploadURLExternal');
    expect(urlCalls).toHaveLength(4);
    expect(urlCalls.every((c) => c.ok && !('alt_text' in c.body))).toBe(true);
    const png = fake.uploadedFiles().find((f) => f.filename.endsWith('.png'))!;
    expect(png.altText).toMatch(/^SIP ladder.* for fw01: SIP message flow of .+\. The same ladder is in the full report as text\.$/);
    expect(png.altText!.length).toBeLessThanOrEqual(ALT_TXT_MAX);
    expect(fake.uploadedFiles().filter((f) => !f.filename.endsWith('.png')).every((f) => f.altText === undefined)).toBe(true);
    // Still shared in the thread, in one completion, with the bytes intact.
    expect(fake.calls('files.completeUploadExternal')).toHaveLength(1);
    expect(png.completed).toBe(true);
    expect(png.threadTs).toBe(r.parentTs);
    expect(png.bytes.equals(TINY_PNG)).toBe(true);
  });

  it('the alt text is redacted like every message', async () => {
    const r = new SlackThreadReporter(deps({ redact: (t) => t.replace(/\d{4,}/g, '[num]') }), { channelId: 'C0INCIDENT' });
    await r.start(makeRequest());
    const result = makeResult();
    result.sip.calls[0].from = '442079460018@carrier.example';
    await r.result(result);
    const png = fake.uploadedFiles().find((f) => f.filename.endsWith('.png'))!;
    expect(png.altText).toContain('[num]@carrier.example');
    expect(png.altText).not.toContain('442079460018');
  });

  it('bounds alt_txt to 1,000 characters', async () => {
    const c = client();
    const parent = await c.chat.postMessage({ channel: 'C0X', text: 'parent' });
    await uploadFiles(c, { channelId: 'C0X', threadTs: parent.ts! }, [{ filename: 'l.png', title: 'SIP ladder', content: TINY_PNG, altText: 'x'.repeat(5000) }]);
    const [file] = fake.uploadedFiles();
    expect(file.altText).toHaveLength(ALT_TXT_MAX);
    expect(file.altText!.endsWith('…')).toBe(true);
  });

  it('the fake refuses the undocumented alt_text, as filesUploadV2 sends it (the bug this fixes)', async () => {
    const c = client();
    const parent = await c.chat.postMessage({ channel: 'C0X', text: 'parent' });
    await expect(c.filesUploadV2({ channel_id: 'C0X', thread_ts: parent.ts!, file_uploads: [{ file: TINY_PNG, filename: 'l.png', alt_text: 'ladder' }] })).rejects.toThrow(/invalid_arguments/);
  });

  it('a failed byte upload is said in the thread with its code', async () => {
    const r = new SlackThreadReporter(deps(), { channelId: 'C0INCIDENT' });
    await r.start(makeRequest());
    fake.setFault('upload', { kind: 'http', status: 500 });
    await r.result(makeResult());
    expect(fake.thread(r.parentTs!).map((m) => m.text ?? '').join('\n')).toMatch(/could not be attached \(http_500\)/);
  });

  it.each([
    ['invalid_blocks', /malformed Block Kit \(invalid_blocks\): a bug in the bot/],
    ['msg_too_long', /was too long for a Slack message \(msg_too_long\)/],
  ])('a card refused with %s gets a fallback worded by that error', async (error, wording) => {
    const r = new SlackThreadReporter(deps(), { channelId: 'C0INCIDENT' });
    await r.start(makeRequest());
    fake.setFault('chat.postMessage', { kind: 'error', error, times: 1 });
    await r.result(makeResult());
    const text = fake.thread(r.parentTs!)[0].text ?? '';
    expect(text).toMatch(wording);
    expect(text).toContain('attached report file');
    if (error === 'invalid_blocks') expect(text).not.toContain('did not fit');
  });
});
