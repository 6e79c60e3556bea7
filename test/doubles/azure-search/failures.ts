// Injected failures and hangs, answered the way the service fails.
import { errorReply } from "./errors.js";
import type { DoubleReply, SearchFailure, SearchOperation } from "./types.js";

const DEFAULT_RETRY_AFTER_MS = 1000;

// Source: a nuget.org report quoting the service (stackguides.com/questions/66754804) and
// MicrosoftDocs/azure-docs#54546 ({"error":{"code":"","message":"Failed to execute request. Reduce the rate of
// requests, ..."}}). The service answers 503 (and 429 for query bursts) with this text.
export const THROTTLED_MESSAGE =
  "Failed to execute request because the request rate has caused your service to exceed the limits of its " +
  "provisioned capacity. Reduce the rate of requests, or adjust the number of replicas/partitions. See " +
  "http://aka.ms/azure-search-throttling for more information.";

// INVENTED: the text of an unexpected server error.
const INTERNAL_ERROR_MESSAGE = "An internal error has occurred. Please try again later.";
// Used for an injected 400 without a message: the service's answer to a malformed $filter.
const BAD_REQUEST_MESSAGE =
  "Invalid expression: Syntax error at position 0 in ''.\r\nParameter name: $filter";

export interface FailureTarget {
  operation: SearchOperation;
  index?: string;
  knowledgeBase?: string;
  service: string;
}

/** The reply for an injected failure. */
export function failureReply(failure: SearchFailure, target: FailureTarget): DoubleReply {
  const { status, message } = failure;
  switch (status) {
    case 401:
    case 403:
      // A wrong api-key gets 403 with an EMPTY body (Azure SDK troubleshooting guides; Python SDK users see
      // "Operation returned an invalid status 'Forbidden'", i.e. no error body). A bearer token without a
      // data-plane role gets {"error":{"code":"","message":"Authorization failed."}}
      // (microsoft/sample-app-aoai-chatGPT#624): pass that as `message`.
      return message === undefined ? { status } : errorReply(status, message);
    case 404: {
      if (message !== undefined) return errorReply(404, message);
      const text =
        target.operation === "retrieve"
          ? `The knowledge base '${target.knowledgeBase ?? ""}' for service '${target.service}' was not found.`
          : `The index '${target.index ?? ""}' for service '${target.service}' was not found.`;
      return errorReply(404, text);
    }
    case 429:
    case 503: {
      const retryAfterMs = failure.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS;
      return {
        ...errorReply(status, message ?? THROTTLED_MESSAGE),
        headers: {
          "retry-after": String(Math.ceil(retryAfterMs / 1000)),
          "retry-after-ms": String(retryAfterMs),
        },
      };
    }
    case 500:
      return errorReply(500, message ?? INTERNAL_ERROR_MESSAGE);
    default:
      return errorReply(status, message ?? BAD_REQUEST_MESSAGE);
  }
}

/** Queues of failures and hangs per operation. */
export class FailurePlan {
  private readonly failures = new Map<
    SearchOperation,
    Array<{ failure: SearchFailure; remaining: number }>
  >();
  private readonly hangs = new Map<SearchOperation, number>();

  failNext(operation: SearchOperation, failure: SearchFailure): void {
    const times = failure.times ?? 1;
    if (!Number.isInteger(times) || times < 1)
      throw new Error(`failNext: times must be a positive integer (got ${times})`);
    const queue = this.failures.get(operation) ?? [];
    queue.push({ failure, remaining: times });
    this.failures.set(operation, queue);
  }

  hangNext(operation: SearchOperation): void {
    this.hangs.set(operation, (this.hangs.get(operation) ?? 0) + 1);
  }

  /** The failure for this request, if one is queued (consumes it). */
  takeFailure(operation: SearchOperation): SearchFailure | undefined {
    const queue = this.failures.get(operation);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.remaining -= 1;
    if (head.remaining === 0) queue.shift();
    return head.failure;
  }

  /** Whether this request must hang (consumes the hang). */
  takeHang(operation: SearchOperation): boolean {
    const count = this.hangs.get(operation) ?? 0;
    if (count === 0) return false;
    this.hangs.set(operation, count - 1);
    return true;
  }

  clear(): void {
    this.failures.clear();
    this.hangs.clear();
  }
}
