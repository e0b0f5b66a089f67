-- wrk script: POST /api/v1/cases with a bearer token, every body different (the
-- registration's duplicate check sees distinct texts, as from loadgen.py).
--
--   wrk -t2 -c16 -d10s -s bench/register.lua http://127.0.0.1:8102 -- TOKEN REGION
--
-- Prints one JSON line at the end (bench/register_http.py reads it): 201 answers,
-- other statuses, seconds, rate of 201s, latency percentiles in seconds.

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  token, region = args[1], args[2]
  n = 0
  created = 0
  other = {}
  wrk.method = "POST"
  wrk.path = "/api/v1/cases"
  wrk.headers["Authorization"] = "Bearer " .. token
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  n = n + 1
  local body = '{"text": "朱亭村三组停水两天了，老人孩子喝水都成问题（第' .. tid .. '-' .. n .. '件）",'
    .. ' "channel": "hotline", "kind": "complaint", "category": "water_supply", "region": "' .. region .. '",'
    .. ' "address": "渌口区朱亭镇朱亭村", "reporter_name": "王建国", "reporter_phone": "13812345678"}'
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  else
    local k = tostring(status)
    other[k] = (other[k] or 0) + 1
  end
end

function done(summary, latency, requests)
  local ok, errors = 0, {}
  for _, t in ipairs(threads) do
    ok = ok + t:get("created")
    for k, v in pairs(t:get("other")) do
      errors[k] = (errors[k] or 0) + v
    end
  end
  local e = summary.errors
  for _, k in ipairs({"connect", "read", "write", "timeout"}) do
    if e[k] > 0 then errors[k] = e[k] end
  end
  local parts = {}
  for k, v in pairs(errors) do
    table.insert(parts, string.format('"%s": %d', k, v))
  end
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"ok": %d, "errors": {%s}, "seconds": %.6f, "rate": %.3f, "p50": %.6f, "p99": %.6f, "requests": %d}\n',
    ok, table.concat(parts, ", "), seconds, ok / seconds, latency:percentile(50) / 1e6,
    latency:percentile(99) / 1e6, summary.requests))
end
