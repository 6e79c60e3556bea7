// The conversation engine: one turn = settings + history + prompt + streamed answer + persisted turn.
// It is the same for every platform; adapters hand it an IncomingMessage and a ReplySink.
import { CitationMapper } from "../citations/mapper.js";
import { type Change, executeCommand } from "../commands/execute.js";
import { type Command, parseCommand } from "../commands/parse.js";
import type { Config } from "../config.js";
import type { DataSourceDefinition } from "../datasources/index.js";
import { BotError, isBotError } from "../errors.js";
import type { DataSourceRequest, LlmClient, TokenUsage } from "../llm/types.js";
import type { Logger } from "../log.js";
import type { Metrics } from "../metrics.js";
import { systemClock } from "../reply/clock.js";
import { ReplyStream } from "../reply/reply-stream.js";
import type { Clock, ReplySink } from "../reply/types.js";
import { citationsOf, conversationGroundingFor, groundingFor } from "../retrieval/grounding.js";
import type { Passage, Retriever } from "../retrieval/types.js";
import { type EffectiveSettings, resolveSettings } from "../settings/resolve.js";
import { settingsContextOf } from "../settings/schema.js";
import type { SettingsScopes } from "../store/keys.js";
import type { AuditEntry, Store, StoredMessage } from "../store/types.js";
import type { Hold } from "../store/usage.js";
import { quotaRefusal, turnEstimate } from "../usage/quota.js";
import { userMessageFor } from "../user-messages.js";
import { accessNotice, holdQuota, releaseQuota } from "./admission.js";
import {
  DEGRADED_NOTE,
  EMPTY_ANSWER_NOTE,
  EMPTY_AT_LIMIT_NOTE,
  noDataSourceNote,
  nothingFoundNote,
  saysNothingFound,
  TRUNCATED_NOTE,
} from "./answer-notes.js";
import { Draining } from "./draining.js";
import { foundSources, retrieveForTurn, sourceLinks } from "./retrieval-step.js";
import { fitToBudget, type Grounding } from "./token-budget.js";
import { loadEncoders } from "./tokens.js";
import { recordTurn } from "./turn-record.js";
import {
  type ChangeRights,
  type ConversationExcerpt,
  type IncomingMessage,
  NO_RIGHTS,
  type TurnOutcome,
} from "./types.js";

/** After the service says the context is too long, retry once keeping this share of the history budget. */
const CONTEXT_RETRY_HISTORY_SHARE = 0.25;

export interface EngineDeps {
  config: Config;
  store: Store;
  llm: LlmClient;
  logger: Logger;
  metrics: Metrics;
  /** The bot's own search, by data source name (sources in mode search or knowledge_base). */
  retrievers?: ReadonlyMap<string, Retriever>;
  clock?: Clock;
}

export class Engine {
  private readonly deps: EngineDeps;
  private readonly clock: Clock;
  private readonly draining: Draining;

  constructor(deps: EngineDeps) {
    this.deps = deps;
    this.clock = deps.clock ?? systemClock;
    this.draining = new Draining(this.clock, deps.logger);
  }

  /** Loads tokenizers for every allowed model, so the first turn does not pay for it. */
  async warmUp(): Promise<void> {
    await loadEncoders(this.deps.config.models.map((m) => m.profile.encoding));
  }

  /** Turns running plus acknowledged events not handled yet: zero means nothing is owed to anyone. */
  get inFlight(): number {
    return this.draining.inFlight;
  }

  /**
   * Counts an acknowledged platform event as in flight until `work` (everything done for it,
   * including the turn) settles. Adapters call it at the ack: a shutdown in the gap between the ack
   * and handle() (dedupe, thread lookups, rights) would otherwise drop a message the platform will
   * never send again.
   */
  track<T>(work: Promise<T>): Promise<T> {
    return this.draining.track(work);
  }

  /** Resolves once no event or turn is in flight. */
  idle(): Promise<void> {
    return this.draining.idle();
  }

  get isDraining(): boolean {
    return this.draining.isDraining;
  }

  /**
   * Handles one message: a command, or a turn answered through `sink`. With `commandsOnly` (a
   * platform command such as Slack's slash command), chat is not answered: "not_a_command". Never throws.
   */
  async handle(
    message: IncomingMessage,
    sink: ReplySink,
    options: { commandsOnly?: boolean } = {},
  ): Promise<TurnOutcome> {
    // The one place a message's text is read as a command.
    const command = parseCommand(message.text);
    if (!command && options.commandsOnly) return "not_a_command";
    const turn = this.draining.begin();
    const log = this.deps.logger.child({
      thread: message.threadKey,
      event: message.id,
      platform: message.platform,
    });
    try {
      if (this.draining.closed) {
        await this.postSafely(sink, userMessageFor(new BotError("shutting_down", "draining")), log);
        return "failed";
      }
      const outcome = await this.deps.store.withThreadLock(
        message.threadKey,
        () =>
          command
            ? this.runCommand(message, command, sink, log)
            : this.runTurn(message, sink, turn.signal, log),
        turn.signal,
      );
      this.deps.metrics.turns.inc({ platform: message.platform, outcome });
      return outcome;
    } catch (err) {
      // Only failures before a reply stream existed land here (lock, store): answer them plainly.
      const error = turn.signal.aborted ? new BotError("shutting_down", "aborted", {}, { cause: err }) : err;
      this.countError(error);
      log.error({ err: error }, "turn failed before the reply started");
      await this.postSafely(sink, userMessageFor(error), log);
      this.deps.metrics.turns.inc({ platform: message.platform, outcome: "failed" });
      return "failed";
    } finally {
      turn.end();
    }
  }

  /** See Draining.drain: the graceful stop on SIGTERM. */
  drain(timeoutMs: number): Promise<void> {
    return this.draining.drain(timeoutMs);
  }

  /** The settings in effect in a conversation: its own, over the workspace's, over the configuration. */
  async effectiveSettings(scopes: SettingsScopes) {
    const layers = await this.settingsLayers(scopes);
    return resolveSettings(layers, this.deps.config.defaults, this.deps.config.models);
  }

  /** The stored settings of the conversation and of its workspace (with the workspace's policies). */
  private async settingsLayers(scopes: SettingsScopes) {
    const [conversation = {}, workspace = {}] = await this.deps.store.getSettingsMany([
      scopes.conversationScope,
      scopes.workspaceScope,
    ]);
    return { conversation, workspace };
  }

  private async runCommand(
    message: IncomingMessage,
    command: Command,
    sink: ReplySink,
    log: Logger,
  ): Promise<TurnOutcome> {
    const { config, store } = this.deps;
    const rights = async (): Promise<ChangeRights> => {
      try {
        return await message.rights();
      } catch (err) {
        log.warn({ err }, "could not look up the user's rights; treating them as having none");
        return NO_RIGHTS;
      }
    };
    if (command.type === "forget" && message.forgetHint) {
      await sink.post(message.forgetHint, true);
      return "command";
    }
    if (command.type === "show" && command.scope === "conversation" && sink.showSettings) {
      await sink.showSettings({
        settings: await this.effectiveSettings(message),
        context: settingsContextOf(config),
        canChange: (await rights()).conversation,
      });
      return "command";
    }
    const text = await executeCommand(command, {
      store,
      threadKey: message.threadKey,
      conversationScope: message.conversationScope,
      workspaceScope: message.workspaceScope,
      rights,
      settings: settingsContextOf(config),
      defaults: config.defaults,
      models: config.models,
      userId: message.userId,
      platform: message.platform,
      quotas: config.usage.quotas,
      priced: Object.keys(config.usage.prices).length > 0,
      now: this.clock.now(),
      recordChange: (change) => this.recordChange(message, change, log),
    });
    if (command.type === "usage" && sink.showReport) await sink.showReport(text);
    else await sink.post(text, true);
    return "command";
  }

  private async runTurn(
    message: IncomingMessage,
    sink: ReplySink,
    signal: AbortSignal,
    log: Logger,
  ): Promise<TurnOutcome> {
    const { config, store, metrics } = this.deps;
    // While the store is unreachable the turn goes on with the environment's defaults and no
    // history, and says so: an answer is worth more than an error.
    let degraded = false;
    const unavailable = (err: unknown) => {
      if (!isBotError(err, "store_unavailable")) throw err;
      degraded = true;
      return undefined;
    };
    const layers = (await this.settingsLayers(message).catch(unavailable)) ?? {
      conversation: {},
      workspace: {},
    };
    const notice = await accessNotice(this.deps, message, layers.workspace, log);
    if (notice !== undefined) {
      if (notice) await this.postSafely(sink, notice, log);
      return "refused";
    }
    // On shutdown the signal stops intermediate updates; the closing note then goes out as the final.
    const reply = new ReplyStream(sink, { clock: this.clock, logger: log, signal });
    metrics.activeStreams.inc();
    /** The turn's hold on its quotas until it is recorded (or fails), and when it was taken. */
    let hold: Hold | undefined;
    let heldAt = 0;
    try {
      await reply.begin();
      const settings = resolveSettings(layers, config.defaults, config.models);
      if (settings.dataSource) reply.describeWork({ dataSource: settings.dataSource });
      const stored =
        settings.historyEnabled && settings.historyWindow > 0 && !degraded
          ? ((await store.load(message.threadKey, settings.historyWindow).catch(unavailable)) ?? [])
          : [];
      const history = [...(message.priorContext ?? []), ...stored];
      if (degraded) {
        metrics.degradedTurns.inc();
        log.warn("store unreachable: answering without this conversation's history and settings");
      }

      const started = this.clock.now();
      const estimate = turnEstimate(
        message.text,
        history,
        settings.generation.maxTokens ?? config.defaults.maxTokens,
        settings.model.profile.encoding,
        message.aboutConversation?.passages.map((p) => p.content),
      );
      const reservation = await holdQuota(this.deps, message, layers.workspace, estimate, started, log);
      if ("exceeded" in reservation) {
        reply.push(quotaRefusal(reservation.exceeded, this.clock.now()));
        await reply.finish();
        return "refused";
      }
      hold = reservation.hold;
      heldAt = started;
      const completed = await this.complete({ message, settings, history, reply, signal, log });
      if (degraded && !reply.stoppedByUser) reply.push(DEGRADED_NOTE);
      await reply.finish();
      // Stopped by the user (possibly during the last update): remember only what they saw.
      const result = reply.stoppedByUser ? { ...completed, text: reply.visibleText } : completed;
      metrics.llmDuration.observe((this.clock.now() - started) / 1000);

      const { promptTokens, completionTokens } = await recordTurn(
        {
          store,
          metrics,
          history: config.history,
          prices: config.usage.prices,
          countError: (err) => this.countError(err),
        },
        {
          message,
          ...result,
          encoding: settings.model.profile.encoding,
          model: settings.model.name,
          hold,
          startedAt: started,
          at: this.clock.now(),
        },
        log,
      );
      log.info(
        { promptTokens, completionTokens, model: settings.model.name, dropped: result.dropped },
        "turn answered",
      );
      return "answered";
    } catch (err) {
      const error =
        signal.aborted && !isBotError(err, "shutting_down")
          ? new BotError("shutting_down", "aborted", {}, { cause: err })
          : err;
      this.countError(error);
      log[isExpected(error) ? "warn" : "error"]({ err: error }, "turn failed");
      if (hold) await releaseQuota(this.deps, message, hold, heldAt, log);
      await reply.fail(userMessageFor(error));
      return "failed";
    } finally {
      metrics.activeStreams.dec();
    }
  }

  /**
   * Streams the completion into `reply`; trims harder and retries once if the context was too long.
   * A data source grounds the answer: the bot's own search puts numbered passages in the prompt, On
   * Your Data sends `data_sources`; markers become [n] as they stream and the cited sources go to
   * the sink. A failing data source is left out (with a note) when its configuration allows that.
   */
  private async complete(turn: TurnContext): Promise<CompletionResult> {
    const { settings, reply, log } = turn;
    // A question about a conversation the adapter read for the user is answered from it alone.
    const about = turn.message.aboutConversation;
    if (about) return this.completeWith(turn, conversationGrounding(about));
    const source = settings.dataSource
      ? this.deps.config.dataSources.find((d) => d.name === settings.dataSource)
      : undefined;
    if (settings.dataSource && !source) {
      log.warn(
        { dataSource: settings.dataSource },
        "the conversation's data source is no longer configured; answering without it",
      );
    }
    try {
      return await this.completeWith(turn, source ? await this.groundingOf(source, turn) : undefined);
    } catch (err) {
      if (!source?.fallbackWithoutDataSource || !isBotError(err, "datasource_error") || reply.text !== "")
        throw err;
      this.countError(err);
      log.warn({ err, dataSource: source.name }, "data source failed; answering without it, as configured");
      reply.push(noDataSourceNote(source.name));
      return this.completeWith(turn, undefined);
    }
  }

  /** What grounds the answer: the search's passages (bot search), or the request's data source. */
  private async groundingOf(source: DataSourceDefinition, turn: TurnContext): Promise<GroundingInput> {
    const named = { sourceName: source.name, noteWhenUncited: true };
    if (source.mode === "on_your_data") return { ...named, dataSource: source.request };
    const retriever = this.deps.retrievers?.get(source.name);
    if (!retriever) throw new BotError("internal", `no retriever for data source ${source.name}`);
    const { model } = turn.settings;
    const searching = { id: "search", title: `Searching ${source.name}` };
    await turn.reply.showStep({ ...searching, status: "in_progress" });
    const step = await retrieveForTurn(
      {
        llm: this.deps.llm,
        metrics: this.deps.metrics,
        clock: this.clock,
        queryRewrite: this.deps.config.search.queryRewrite,
      },
      {
        retriever,
        mode: source.mode,
        question: turn.message.text,
        history: turn.history,
        model: model.name,
        profile: model.profile,
        signal: turn.signal,
        log: turn.log,
      },
    ).catch(async (err: unknown) => {
      await turn.reply.showStep({ ...searching, status: "error", details: userMessageFor(err) });
      throw err;
    });
    turn.reply.describeWork({ dataSource: source.name, sourcesFound: step.passages.length });
    await turn.reply.showStep({
      ...searching,
      status: "complete",
      details: foundSources(step.passages.length),
      sources: sourceLinks(step.passages),
    });
    return {
      ...named,
      passages: step.passages,
      grounding: groundingFor(step.passages, { sourceName: source.name, inScope: source.search.inScope }),
      extraPromptTokens: step.rewriteTokens + step.embeddingTokens,
      searchTokens: { rewrite: step.rewriteTokens, embedding: step.embeddingTokens },
    };
  }

  private async completeWith(
    turn: TurnContext,
    grounded: GroundingInput | undefined,
  ): Promise<CompletionResult> {
    const { message, settings, history, reply, signal, log } = turn;
    for (const historyShare of [1, CONTEXT_RETRY_HISTORY_SHARE]) {
      const budget = fitToBudget({
        systemPrompt: settings.systemPrompt,
        history,
        userText: message.text,
        profile: settings.model.profile,
        replyTokens: settings.generation.maxTokens ?? this.deps.config.defaults.maxTokens,
        historyShare,
        grounding: grounded?.grounding,
      });
      const citations = grounded ? new CitationMapper(grounded.dataSource ? "doc" : "number") : undefined;
      // The bot's own search: [n] is the n-th passage that went into the prompt.
      const kept = grounded?.passages?.slice(0, budget.passagesKept);
      if (kept) citations?.setCitations(citationsOf(kept));
      let citationsSeen = (kept?.length ?? 0) > 0;
      const sent = this.clock.now();
      let text = "";
      const show = (piece: string) => {
        text += piece;
        reply.push(piece);
      };
      try {
        for await (const event of this.deps.llm.stream({
          model: settings.model.name,
          profile: settings.model.profile,
          messages: budget.messages,
          options: settings.generation,
          dataSource: grounded?.dataSource,
          signal,
        })) {
          if (event.type === "citations") {
            citations?.setCitations(event.citations);
            citationsSeen = event.citations.length > 0;
          } else if (event.type === "text") {
            if (text === "") this.deps.metrics.llmFirstToken.observe((this.clock.now() - sent) / 1000);
            show(citations ? citations.push(event.text) : event.text);
            if (reply.stoppedByUser) {
              // The user pressed stop: stop reading (and paying for) the answer; keep what was shown.
              log.info("the user stopped the answer");
              return { text: reply.visibleText, ...counts(budget, grounded) };
            }
          } else if (event.type === "done") {
            if (citations) show(citations.flush());
            if (text.trim() === "") {
              reply.push(event.finishReason === "length" ? EMPTY_AT_LIMIT_NOTE : EMPTY_ANSWER_NOTE);
            } else if (event.finishReason === "length") {
              reply.push(TRUNCATED_NOTE);
            }
            if (grounded && citations) {
              const sources = citations.sources();
              this.deps.metrics.sourcesPerAnswer.observe(sources.length);
              if (sources.length > 0) reply.setSources(sources);
              else if (grounded.noteWhenUncited && !citationsSeen && !saysNothingFound(text))
                reply.push(nothingFoundNote(grounded.sourceName));
            }
            return { text, usage: event.usage, ...counts(budget, grounded) };
          }
        }
        throw new BotError("llm_stream_cut", "stream ended without a finish event");
      } catch (err) {
        if (isBotError(err, "llm_context_length") && text === "" && historyShare === 1) {
          log.warn(
            { dropped: budget.dropped },
            "context too long for the service: trimming harder and retrying once",
          );
          continue;
        }
        throw err;
      }
    }
    throw new BotError("llm_context_length", "still too long after trimming");
  }

  /** The audit trail: a structured log line, and the entry kept in the store. Never throws. */
  private async recordChange(message: IncomingMessage, change: Change, log: Logger): Promise<void> {
    const entry: AuditEntry = {
      at: this.clock.now(),
      platform: message.platform,
      userId: message.userId,
      conversationScope: message.conversationScope,
      workspaceScope: message.workspaceScope,
      ...change,
    };
    log.info({ audit: entry }, `audit: ${change.action}${change.key ? ` ${change.key}` : ""}`);
    await this.deps.store.recordAudit(entry).catch((err: unknown) => {
      log.warn({ err }, "could not keep the change in the audit trail");
    });
  }

  private async postSafely(sink: ReplySink, text: string, log: Logger): Promise<void> {
    try {
      await sink.post(text, true);
    } catch (err) {
      log.error({ err }, "could not post the failure message");
    }
  }

  private countError(err: unknown): void {
    this.deps.metrics.errors.inc({ kind: isBotError(err) ? err.code : "internal" });
  }
}

interface CompletionResult {
  text: string;
  usage?: TokenUsage;
  promptTokens: number;
  userTokens: number;
  dropped: number;
  /** Tokens spent before the answer (search-query rewrite, query embedding), added to the prompt side. */
  extraPromptTokens: number;
  searchTokens?: { rewrite: number; embedding: number };
}

/** One turn's inputs, as the completion steps pass them along. */
interface TurnContext {
  message: IncomingMessage;
  settings: EffectiveSettings;
  history: StoredMessage[];
  reply: ReplyStream;
  signal: AbortSignal;
  log: Logger;
}

/** What grounds one answer: a data source, or a conversation the user asked about. */
interface GroundingInput {
  /** Its name as users know it, for the "found nothing" note. */
  sourceName: string;
  /** Add that note when the answer cites nothing and does not say so (data sources only). */
  noteWhenUncited: boolean;
  /** On Your Data: sent as the request's data source; the service searches. */
  dataSource?: DataSourceRequest;
  /** The bot's own search: the passages found, best first, and the prompt built from them. */
  passages?: Passage[];
  grounding?: Grounding;
  extraPromptTokens?: number;
  /** The same, apart: the search-query rewrite and the query embedding. */
  searchTokens?: { rewrite: number; embedding: number };
}

function conversationGrounding(about: ConversationExcerpt): GroundingInput {
  return {
    sourceName: about.name,
    noteWhenUncited: false,
    passages: about.passages,
    grounding: conversationGroundingFor(about),
  };
}

function counts(
  budget: { promptTokens: number; userTokens: number; dropped: number },
  grounded: GroundingInput | undefined,
) {
  return {
    promptTokens: budget.promptTokens,
    userTokens: budget.userTokens,
    dropped: budget.dropped,
    extraPromptTokens: grounded?.extraPromptTokens ?? 0,
    searchTokens: grounded?.searchTokens,
  };
}

/** Failures caused by users or upstream services, logged as warnings rather than errors. */
function isExpected(err: unknown): boolean {
  return (
    isBotError(err) &&
    ["llm_rate_limited", "llm_content_filter", "input_too_long", "shutting_down"].includes(err.code)
  );
}
