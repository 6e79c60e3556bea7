// Lua for the cross-process FIFO thread lock. KEYS[1] is the queue (list of owner tokens, the head
// holds the lock), KEYS[2] the leases (hash token -> deadline in Redis server milliseconds). A token
// is in the queue exactly when it has a lease entry; every script keeps both keys' expiry equal.
// Deadlines use the server clock (TIME), so process clocks never need to agree.

import { LUA_NOW_MS } from "./lua-clock.js";

const PRELUDE = `${LUA_NOW_MS}-- Drops heads whose lease lapsed (their owner crashed) and returns the live head, or false.
local function live_head(now)
  while true do
    local head = redis.call('LINDEX', KEYS[1], 0)
    if not head then return false end
    local deadline = tonumber(redis.call('HGET', KEYS[2], head))
    if deadline and deadline > now then return head end
    redis.call('LPOP', KEYS[1])
    redis.call('HDEL', KEYS[2], head)
  end
end
local function keep(ttl_ms)
  redis.call('PEXPIRE', KEYS[1], ttl_ms)
  redis.call('PEXPIRE', KEYS[2], ttl_ms)
end
`;

/** ARGV: token, leaseMs, keyTtlMs. Joins the tail; returns the live head (maybe the caller). */
export const ENQUEUE = `${PRELUDE}
local now = now_ms()
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], now + tonumber(ARGV[2]))
local head = live_head(now)
keep(ARGV[3])
return head
`;

/** ARGV: keyTtlMs. Returns the live head, dropping crashed ones. */
export const PEEK = `${PRELUDE}
local head = live_head(now_ms())
keep(ARGV[1])
return head
`;

/**
 * ARGV: token, keyTtlMs. Removes the caller's own token and lease (release, or leaving the queue on
 * abort); another owner's token is never touched. Returns the next live head.
 */
export const LEAVE = `${PRELUDE}
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('LREM', KEYS[1], 1, ARGV[1])
local head = live_head(now_ms())
keep(ARGV[2])
return head
`;

/**
 * ARGV: leaseMs, keyTtlMs, token... Extends the lease of every token still queued; returns the
 * tokens that were dropped (their owner stalled for longer than a lease), which the owner handles.
 */
export const TOUCH = `${PRELUDE}
local now = now_ms()
local lost = {}
for i = 3, #ARGV do
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 1 then
    redis.call('HSET', KEYS[2], ARGV[i], now + tonumber(ARGV[1]))
  else
    table.insert(lost, ARGV[i])
  end
end
keep(ARGV[2])
return lost
`;
