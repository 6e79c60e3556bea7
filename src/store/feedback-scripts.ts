// Lua for feedback per conversation scope. KEYS[1] is a hash feedback id -> JSON entry, KEYS[2] a
// sorted set of the same ids scored by entry time, which orders the listing and trims the oldest.

/**
 * ARGV: id, json, at, maxEntries, ttlSeconds. Stores the entry unless the same user's feedback on
 * the same answer is already newer (two clicks racing across processes: the later click wins).
 * Returns 1 when stored, 0 when it was older.
 */
export const RECORD = `
local current = redis.call('ZSCORE', KEYS[2], ARGV[1])
if current and tonumber(current) > tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if excess > 0 then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, excess - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, excess - 1)
  for _, id in ipairs(oldest) do redis.call('HDEL', KEYS[1], id) end
end
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[5])
return 1
`;

/** Ids per HMGET: Lua's unpack() has a small stack (about 8,000 values). */
const LIST_CHUNK = 500;

/** ARGV: limit (>= 1). The newest `limit` entries' JSON, newest first (false for a missing one). */
export const LIST = `
local ids = redis.call('ZRANGE', KEYS[2], 0, tonumber(ARGV[1]) - 1, 'REV')
local out = {}
for i = 1, #ids, ${LIST_CHUNK} do
  local values = redis.call('HMGET', KEYS[1], unpack(ids, i, math.min(i + ${LIST_CHUNK} - 1, #ids)))
  for j = 1, #values do out[#out + 1] = values[j] end
end
return out
`;
