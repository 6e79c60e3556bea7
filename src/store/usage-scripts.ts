// Lua for the usage ledger (usage.ts): the quota check that holds a turn's tokens, and the record
// of a finished turn. KEYS[1] is the workspace's day hash, KEYS[2] its month hash, KEYS[3] its holds
// (a sorted set of hold entries scored by their deadline, Redis server time); one hash tag, one
// cluster slot. Check and hold are one script, so twenty turns at once of one user see each other's
// holds: a turn starts only while used + held < limit, so the last one admitted is the most a limit
// can be overshot by. Lapsed holds (a turn whose process died) are dropped before each check.
import { LUA_NOW_MS } from "./lua-clock.js";

/**
 * ARGV: hold entry (usage.ts holdEntry), hold ms, then for each of the six QUOTA_CHECKS its limit
 * (0: none) and the counter field it reads (`<dim>|<id>|tok`), then the user id and the
 * conversation scope the entry names. Returns 0 when held, else {check index (1-based), used}.
 */
export const RESERVE = `${LUA_NOW_MS}
local now = now_ms()
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
-- Tokens held by turns in flight, for this user, this conversation and the whole workspace.
local held = {0, 0, 0}
local user, conversation = ARGV[15], ARGV[16]
for _, entry in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
  local parts = {}
  for part in string.gmatch(entry, '[^\\n]+') do parts[#parts + 1] = part end
  local tokens = tonumber(parts[4]) or 0
  if parts[2] == user then held[1] = held[1] + tokens end
  if parts[3] == conversation then held[2] = held[2] + tokens end
  held[3] = held[3] + tokens
end
for check = 1, 6 do
  local limit = tonumber(ARGV[1 + check * 2])
  if limit > 0 then
    local key = KEYS[check <= 3 and 1 or 2]
    local used = tonumber(redis.call('HGET', key, ARGV[2 + check * 2]) or '0') + held[((check - 1) % 3) + 1]
    if used >= limit then return {check, used} end
  end
end
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[2]))
return 0
`;

/**
 * ARGV: day TTL, month TTL, the hold entry to release ("" for none), then field/increment pairs.
 * Adds the turn to both hashes and drops its hold.
 */
export const RECORD_TURN = `
if ARGV[3] ~= '' then redis.call('ZREM', KEYS[3], ARGV[3]) end
if #ARGV > 3 then
  for k = 1, 2 do
    for i = 4, #ARGV, 2 do redis.call('HINCRBY', KEYS[k], ARGV[i], ARGV[i + 1]) end
  end
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  redis.call('EXPIRE', KEYS[2], ARGV[2])
end
return 0
`;
