// Lua for the usage ledger (usage.ts): the quota check that holds a turn's tokens, and the record
// of a finished turn. KEYS[1] is the workspace's day hash, KEYS[2] its month hash (one hash tag,
// one cluster slot). Check and hold are one script, so twenty turns at once of one user see each
// other's holds: a turn starts only while used + held < limit, so the last one admitted is the most
// a limit can be overshot by.

/**
 * ARGV: estimate, user id, conversation scope, the six limits of QUOTA_CHECKS (0: none), day TTL,
 * month TTL. Returns 0 when the tokens are held, else {check index (1-based), used}.
 */
export const RESERVE = `
local ids = {ARGV[2], ARGV[3], '*'}
local dims = {'u', 'c', 'w'}
local function used(key, i)
  local prefix = dims[i] .. '|' .. ids[i] .. '|'
  local tok = tonumber(redis.call('HGET', key, prefix .. 'tok') or '0')
  local held = tonumber(redis.call('HGET', key, prefix .. 'res') or '0')
  return tok + math.max(held, 0)
end
for check = 1, 6 do
  local limit = tonumber(ARGV[3 + check])
  if limit > 0 then
    local key = KEYS[check <= 3 and 1 or 2]
    local n = used(key, ((check - 1) % 3) + 1)
    if n >= limit then return {check, n} end
  end
end
for k = 1, 2 do
  for i = 1, 3 do
    redis.call('HINCRBY', KEYS[k], dims[i] .. '|' .. ids[i] .. '|res', ARGV[1])
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[10])
redis.call('EXPIRE', KEYS[2], ARGV[11])
return 0
`;

/**
 * ARGV: day TTL, month TTL, the number of reservation fields R, the tokens held, the R fields, then
 * field/increment pairs. Adds the turn to both hashes and releases what it held.
 */
export const RECORD_TURN = `
local r = tonumber(ARGV[3])
local held = tonumber(ARGV[4])
for k = 1, 2 do
  if held > 0 then
    for i = 1, r do redis.call('HINCRBY', KEYS[k], ARGV[4 + i], -held) end
  end
  for i = 5 + r, #ARGV, 2 do redis.call('HINCRBY', KEYS[k], ARGV[i], ARGV[i + 1]) end
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return 0
`;
