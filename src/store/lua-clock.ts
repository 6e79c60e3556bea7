// Lua scripts read Redis's own clock (TIME), so deadlines and windows never depend on process clocks
// agreeing. Redis 7 replicates script effects, so TIME before a write is allowed.

/** Defines `now_ms()`: Redis server time in epoch milliseconds. */
export const LUA_NOW_MS = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;
