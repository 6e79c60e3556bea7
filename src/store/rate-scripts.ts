// Lua for the shared sliding-window rate budgets. KEYS[1] is the budget's takes (sorted set of take
// ids scored by Redis server ms), KEYS[2] its hold (present while closed after a 429). A take counts
// against the budget for windowMs after it, so no window of windowMs ever holds more than `limit`:
// the platform enforces exactly that, and a token bucket's burst would break it.
import { LUA_NOW_MS } from "./lua-clock.js";

/**
 * ARGV: limit, windowMs, takeId (unique). Returns 0 when a call was taken, else the ms until one
 * may be (nothing taken): the rest of a hold, or until enough takes leave the window.
 */
export const TAKE = `${LUA_NOW_MS}
local held = redis.call('PTTL', KEYS[2])
if held > 0 then return held end
local now = now_ms()
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
-- Free once all but limit-1 takes have left (count can exceed limit if the limit was lowered).
local blocking = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
return math.max(1, tonumber(blocking[2]) + window - now)
`;

/** ARGV: holdMs. Closes the budget for holdMs; never shortens a longer hold already in place. */
export const HOLD = `
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
return 0
`;
