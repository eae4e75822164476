import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ACTION_IDS } from '../../../src/adapters/slack/blocks';
import { SLASH_COMMAND } from '../../../src/adapters/slack/listeners/commands';
import { BOT_EVENTS } from '../../../src/adapters/slack/listeners/events';

interface Manifest {
  _metadata?: { major_version: number };
  display_information: { name: string; description: string };
  features: {
    bot_user: { display_name: string };
    slash_commands: Array<{ command: string; description: string; usage_hint?: string; should_escape?: boolean; url?: string }>;
  };
  oauth_config: { scopes: { bot: string[]; user?: string[] } };
  settings: {
    event_subscriptions?: { bot_events?: string[]; request_url?: string };
    interactivity?: { is_enabled: boolean; request_url?: string };
    org_deploy_enabled: boolean;
    socket_mode_enabled: boolean;
    token_rotation_enabled: boolean;
  };
}

const manifest = parse(readFileSync(join(__dirname, '../../../manifest.yml'), 'utf8')) as Manifest;

describe('manifest.yml', () => {
  it('declares the slash command the code registers, for Socket Mode (no url)', () => {
    expect(manifest.features.slash_commands).toHaveLength(1);
    const [cmd] = manifest.features.slash_commands;
    expect(cmd.command).toBe(SLASH_COMMAND);
    expect(cmd.command.length).toBeLessThanOrEqual(32);
    expect(cmd.should_escape).toBe(false);
    expect(cmd.url).toBeUndefined();
    expect(cmd.usage_hint).toBe('fw01 [seconds=20] [level=-1] [vdom=root] [peer=IP] [port=5060] | fw01 config | all | tag=NAME | watch | help');
    expect(cmd.description.length).toBeGreaterThan(0);
  });

  it('asks for exactly the scopes the code uses', () => {
    // usergroups:read: UserGroupDirectory calls usergroups.users.list for `user_groups` grants.
    const expected = ['commands', 'chat:write', 'files:write', 'usergroups:read'];
    if ((BOT_EVENTS as readonly string[]).includes('app_mention')) expected.push('app_mentions:read');
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(expected.sort());
    expect(manifest.oauth_config.scopes.user).toBeUndefined();
    // no history scopes, no posting without an invite
    expect(manifest.oauth_config.scopes.bot.some((s) => s.endsWith(':history') || s === 'chat:write.public')).toBe(false);
  });

  it('subscribes to the bot events the code listens to and enables the buttons', () => {
    expect(manifest.settings.event_subscriptions?.bot_events).toEqual([...BOT_EVENTS]);
    expect(manifest.settings.event_subscriptions?.request_url).toBeUndefined();
    expect(Object.keys(ACTION_IDS).length).toBeGreaterThan(0);
    expect(manifest.settings.interactivity?.is_enabled).toBe(true);
    expect(manifest.settings.interactivity?.request_url).toBeUndefined();
  });

  it('has the settings and display limits Slack checks', () => {
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.settings.org_deploy_enabled).toBe(false);
    expect(manifest.settings.token_rotation_enabled).toBe(false);
    expect(manifest.display_information.name.length).toBeLessThanOrEqual(35);
    expect(manifest.display_information.description.length).toBeLessThanOrEqual(140);
    expect(manifest.features.bot_user.display_name).toBe('sip-check');
    expect(manifest._metadata?.major_version).toBe(1);
  });
});
