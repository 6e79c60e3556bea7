// The table rows the Slack and Teams load benchmarks share, from one phase's figures.
import type { BotUnderTest } from "./bot-under-test.js";
import { mean, type PhaseResult } from "./phase.js";
import { type Row, summarize } from "./stats.js";

/** What users see: ack, first text, last words, staleness, exact finals. */
export function seenRows(p: PhaseResult, ackLabel: string, indent = ""): Row[] {
  return [
    summarize(`${indent}${ackLabel}`, p.ackMs),
    summarize(`${indent}overhead to first visible text, beyond the model's first token`, p.firstTextMs),
    summarize(`${indent}last words: whole answer visible after the model's last token`, p.lastWordsMs),
    summarize(`${indent}  the model's own tail: its stream's end after the last token`, p.modelTailMs),
    {
      name: `${indent}mean staleness of the visible text (sampled every 20 ms while the model streams)`,
      value: `${mean(p.staleChars).toFixed(0)} chars behind the model (worst reply ${p.worstReplyStaleChars.toFixed(0)}); oldest unseen text sent ${mean(p.staleMs).toFixed(0)} ms before`,
    },
    {
      name: `${indent}final texts exact`,
      value: `${p.exact}/${p.replies}${p.unfinished.length ? ` (never whole: ${p.unfinished.join(", ")})` : ""}`,
    },
  ];
}

/** One reply with nothing else going on. */
export function singleRows(p: PhaseResult, indent = ""): Row[] {
  return [
    summarize(`${indent}one reply alone: overhead to first visible text`, p.firstTextMs),
    summarize(`${indent}one reply alone: last words`, p.lastWordsMs),
  ];
}

/** What the bot process spent, and how trustworthy the bench's own clock was. */
export function costRows(p: PhaseResult, warnings: string[], indent = ""): Row[] {
  const perReply = (ms: number) => (ms / p.replies).toFixed(1);
  const { user, system } = p.botCpu;
  return [
    {
      name: `${indent}bot CPU per reply (/proc utime+stime)`,
      value: `${perReply(user + system)} ms: user ${perReply(user)}, system ${perReply(system)} (${(user + system).toFixed(0)} ms for ${p.replies} replies)`,
    },
    {
      name: `${indent}bot warnings and errors logged`,
      value: warnings.length ? warnings.join("; ") : "none",
    },
    { name: `${indent}wall time, first request to every reply final`, value: `${p.wallS.toFixed(1)} s` },
    {
      name: `${indent}bench process event-loop delay p99 (timestamp noise)`,
      value: `${p.benchLoopDelayMs.toFixed(1)} ms`,
    },
  ];
}

/** The unmeasured first round's CPU: what the same load costs while the code is still cold (JIT). */
export function warmUpCpuRow(p: PhaseResult, indent = ""): Row {
  const { user, system } = p.botCpu;
  return {
    name: `${indent}bot CPU per reply in the warm-up round just after start (not in the figures above)`,
    value: `${((user + system) / p.replies).toFixed(1)} ms (${p.replies} replies)`,
  };
}

export function memoryRow(bot: BotUnderTest): Row {
  return {
    name: "bot resident memory (/proc)",
    value: `peak ${bot.peakMiB().toFixed(0)} MiB (VmHWM at the end); at rest ${bot.restingMiB.toFixed(0)} MiB (VmRSS after start)`,
  };
}
