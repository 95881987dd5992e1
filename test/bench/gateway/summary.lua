-- wrk script of test/bench/gateway/bench.py: no per-request hook (a request() or response()
-- function would put Lua on wrk's hot path and measure wrk instead of the gateway), only a
-- machine-readable summary when the run is done, one line that bench.py parses:
--   BENCH {"requests":N,"duration_us":N,"bytes":N,"non2xx":N,"connect":N,...,"p50_us":N,...}
-- wrk's errors.status counts the answers with a status above 399 (its "Non-2xx or 3xx").

done = function(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'BENCH {"requests":%d,"duration_us":%d,"bytes":%d,"non2xx":%d,' ..
      '"connect":%d,"read":%d,"write":%d,"timeout":%d,' ..
      '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
      summary.requests, summary.duration, summary.bytes, e.status,
      e.connect, e.read, e.write, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency.max, latency.mean))
end
