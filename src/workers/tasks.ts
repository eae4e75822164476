import { Resvg } from '@resvg/resvg-js';
import { analyse, type Analysis } from '../check/analyse';
import type { CommandResult } from '../fortios/types';
import { renderCliRecord, type TypedLine } from '../fortios/transcript';
import { renderFullReport } from '../report/fullReport';
import { LADDER_PNG_OPTIONS, renderLadderSvg } from '../report/ladder';
import type { SipLadder, SipSummary } from '../sip/types';

/**
 * The CPU-heavy steps of a check, as plain functions of plain data: they run in the worker pool (pool.ts) so the
 * bot's event loop stays free for acks, or inline where no pool is given (tests, `analyze`). Same output either way.
 */

export interface ReportInput {
  outputs: CommandResult[];
  sip: SipSummary;
  ladders: SipLadder[];
  /** Every line typed on the firewall, per SSH connection in order (FortiSession.record): the CLI transcript. */
  record: ReadonlyArray<readonly TypedLine[]>;
  /** The inventory name of the firewall. */
  firewall: string;
}

export interface ReportOutput {
  analysis: Analysis;
  /** Full report and CLI transcript, not redacted (redaction keeps its pseudonyms on the bot's thread). */
  report: string;
  transcript: string;
}

/** Verdict from the config reads, full report text, CLI transcript. */
export function renderReport(input: ReportInput): ReportOutput {
  const analysis = analyse(input.outputs, input.sip);
  return {
    analysis,
    report: renderFullReport(analysis, input.ladders),
    transcript: renderCliRecord(input.record, input.firewall),
  };
}

/** The ladder picture: SVG, then resvg's render and PNG encoding, all synchronous (this runs on a worker). */
export function renderLadderPngSync(ladders: SipLadder[]): Buffer {
  return Buffer.from(new Resvg(renderLadderSvg(ladders), LADDER_PNG_OPTIONS).render().asPng());
}

/** What a worker can be asked to do, by name. */
export const TASKS = {
  report: renderReport,
  ladderPng: renderLadderPngSync,
};

export type TaskName = keyof typeof TASKS;
export type TaskInput<T extends TaskName> = Parameters<(typeof TASKS)[T]>[0];
export type TaskOutput<T extends TaskName> = ReturnType<(typeof TASKS)[T]>;
