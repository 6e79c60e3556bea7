// What the process owes before it may stop, and the graceful stop itself: turns running, and
// platform events acknowledged (the platform will not send them again) whose turn has not started.
// On SIGTERM, drain() lets them finish within the grace, then stops what is left with a closing note.
import { BotError } from "../errors.js";
import type { Logger } from "../log.js";
import type { Clock } from "../reply/types.js";
import { InFlight } from "./in-flight.js";

/** After the shutdown grace, replies still running get this long to show their closing note. */
const SHUTDOWN_FAIL_GRACE_MS = 5_000;

interface ActiveTurn {
  controller: AbortController;
  done: Promise<unknown>;
}

/** A running turn: its signal aborts on shutdown; end() when it is over. */
export interface TurnHandle {
  signal: AbortSignal;
  end(): void;
}

export class Draining {
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #active = new Set<ActiveTurn>();
  readonly #accepted = new InFlight();
  #draining = false;
  #closed = false;

  constructor(clock: Clock, logger: Logger) {
    this.#clock = clock;
    this.#logger = logger;
  }

  /** Turns running plus acknowledged events not handled yet: zero means nothing is owed to anyone. */
  get inFlight(): number {
    return this.#active.size + this.#accepted.size;
  }

  get isDraining(): boolean {
    return this.#draining;
  }

  /** Set once the shutdown grace is over: a turn starting now could not finish, so it is refused. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Counts an acknowledged event as in flight until `work` settles; returns it unchanged. */
  track<T>(work: Promise<T>): Promise<T> {
    return this.#accepted.track(work);
  }

  /** A turn starts: counted until end(). */
  begin(): TurnHandle {
    const controller = new AbortController();
    let resolveDone: () => void = () => {};
    const turn: ActiveTurn = { controller, done: new Promise<void>((r) => (resolveDone = r)) };
    this.#active.add(turn);
    return {
      signal: controller.signal,
      end: () => {
        this.#active.delete(turn);
        resolveDone();
      },
    };
  }

  /** Resolves once no event or turn is in flight. */
  async idle(): Promise<void> {
    await this.#accepted.idle();
    while (this.#active.size > 0) await Promise.allSettled([...this.#active].map((t) => t.done));
  }

  /**
   * Lets events and replies in flight finish for up to `timeoutMs` (messages acknowledged before
   * or during the grace are answered as usual); replies still running then are stopped with a
   * closing note, and later ones are refused with it, so none is left unfinished without a word.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.#draining = true;
    try {
      if (this.inFlight === 0) return;
      const timer = new AbortController();
      await Promise.race([this.idle(), this.#clock.sleep(timeoutMs, timer.signal).catch(() => {})]);
      timer.abort();
      if (this.inFlight === 0) return;
      this.#closed = true;
      this.#logger.warn({ inFlight: this.inFlight }, "shutdown grace over: stopping replies in flight");
      for (const t of this.#active) t.controller.abort(new BotError("shutting_down", "shutdown"));
      const last = new AbortController();
      await Promise.race([
        this.idle(),
        this.#clock.sleep(SHUTDOWN_FAIL_GRACE_MS, last.signal).catch(() => {}),
      ]);
      last.abort();
    } finally {
      this.#closed = true;
    }
  }
}
