-- wrk -s bench/done.lua: one line of JSON when the run is done (parsed by bench/wrk.py).
-- summary.errors.status counts answers with a status of 400 or more.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "mean_us": %.1f, ' ..
    '"p99_us": %.1f, "max_us": %.1f, "status_errors": %d, "connect_errors": %d, ' ..
    '"read_errors": %d, "write_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, summary.bytes, latency.mean,
    latency:percentile(99.0), latency.max, e.status, e.connect, e.read, e.write, e.timeout))
end
