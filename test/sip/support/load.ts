import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SipCaptureAnalyzer, SipLineSplitter } from '../../../src/sip';

export const FIXTURES = path.join(__dirname, '../../fixtures/sip');

export function fixture(name: string): Buffer {
  return readFileSync(path.join(FIXTURES, name));
}

/** Feeds bytes through the line splitter, as the capture stream does, in the given chunks. */
export function analyse(chunks: Array<Buffer | string>, opts?: ConstructorParameters<typeof SipCaptureAnalyzer>[0]): SipCaptureAnalyzer {
  const analyzer = new SipCaptureAnalyzer(opts);
  const splitter = new SipLineSplitter((line) => analyzer.pushLine(line));
  for (const c of chunks) splitter.push(c);
  splitter.end();
  return analyzer;
}

export function analyseFixtures(...names: string[]): SipCaptureAnalyzer {
  return analyse(names.map(fixture));
}
