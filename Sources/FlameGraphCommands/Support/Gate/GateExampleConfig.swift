/// `flame-graph gate --example-config`: a commented starter file (every key is in docs/CONFIG.md).
enum GateExampleConfig {
    static let text = """
        # flame-graph.yml — what `flame-graph gate` profiles. Every key: docs/CONFIG.md
        version: 1

        # Defaults for every service's gate (each service may override them in its own `gate:`).
        gate:
          threshold: 1pp          # a frame may grow by this many percentage points of the total
          confidence: 0.99        # ...and only significant growth counts

        services:
          - name: orders                          # baselines and reports are keyed by it
            profiler: pdie                        # pdie | python | api | hce | bun | perf | dotnet
            command: python3 app.py --port 8081   # started by the gate, stopped after (whole process group)
            cwd: services/orders                  # relative to where the gate runs
            env: {WORKERS: "4"}
            ready: http://127.0.0.1:8081/health   # polled until 2xx
            ready_timeout: 30s
            url: http://127.0.0.1:8081            # what the profiler and the load talk to (loopback)
            load:                                 # the built-in HTTP/1.1 load generator
              requests:
                - {method: POST, path: /checkout, body: '{"items": 3}', headers: {Content-Type: application/json}}
                - {path: /search?q=shoes}
              concurrency: 8                      # connections; closed loop unless `rate:` is set
              warmup: 2s
              # rate: 200                         # requests per second over all connections
              max_error_ratio: 0.01               # more failed requests than this fails the run
            duration: 10s                         # per capture round
            rounds: 3
            gate: {threshold: 1pp, focus: "handle_request", ignore: ["^select"]}

          - name: api
            profiler: api
            url: http://127.0.0.1:6060            # already running: nothing to start
            load: {command: "./bench.sh 127.0.0.1:6060"}   # or your own load tool

        """
}
