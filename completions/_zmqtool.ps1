
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'zmqtool' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'zmqtool'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'zmqtool' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('broker', 'broker', [CompletionResultType]::ParameterValue, 'Run a Majordomo broker (MDP/0.1 and MDP/0.2 on one socket, with MMI)')
            [CompletionResult]::new('worker', 'worker', [CompletionResultType]::ParameterValue, 'Run a worker that serves SERVICE through a broker: echo each request, or run a shell command per request with --exec')
            [CompletionResult]::new('client', 'client', [CompletionResultType]::ParameterValue, 'Call SERVICE through a broker and print the reply, one frame per line')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Show a running broker''s statistics (from its mmi.stats service)')
            [CompletionResult]::new('top', 'top', [CompletionResultType]::ParameterValue, 'A live full-screen view of one broker (from its mmi.stats service)')
            [CompletionResult]::new('mmi', 'mmi', [CompletionResultType]::ParameterValue, 'Ask the broker about services (8/MMI)')
            [CompletionResult]::new('bstar', 'bstar', [CompletionResultType]::ParameterValue, 'Run one server of a Binary Star pair: a high-availability Majordomo broker (or echo)')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Load-test a Majordomo broker and service, with latency percentiles')
            [CompletionResult]::new('perf', 'perf', [CompletionResultType]::ParameterValue, 'Raw socket throughput and latency, as libzmq''s perf tools measure them')
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Make a CURVE keypair: print both keys in Z85, or write CZMQ certificate files')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Health checks for monitoring systems: Nagios/Icinga/Sensu plugins, Docker and Kubernetes probes, Consul scripts, Prometheus')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script, or write all of them to a directory')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write man pages, one per subcommand, into DIR (what fills man/)')
            [CompletionResult]::new('titanic', 'titanic', [CompletionResultType]::ParameterValue, 'Durable, disconnected request-reply (9/TSP): requests are stored on disk and delivered whenever their service shows up')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zmqtool;broker' {
            [CompletionResult]::new('--bind', '--bind', [CompletionResultType]::ParameterName, 'Endpoint to bind; repeat for several. Use port * for any free port (the log says which)')
            [CompletionResult]::new('--allow', '--allow', [CompletionResultType]::ParameterName, 'Accept connections only from this address range (e.g. 10.0.0.0/8, 127.0.0.1); repeat for several. Others are refused before any message is read')
            [CompletionResult]::new('--plain-users', '--plain-users', [CompletionResultType]::ParameterName, 'Require the PLAIN mechanism with a user and password from FILE (user:password lines). PLAIN does not encrypt: passwords cross the network in clear text')
            [CompletionResult]::new('--curve-secret', '--curve-secret', [CompletionResultType]::ParameterName, 'Encrypt with CURVE, as the server whose secret certificate is FILE (from `zmqtool keygen --out`, or CZMQ''s zcert). Clients need its public key (--curve-server-key)')
            [CompletionResult]::new('--curve-allow', '--curve-allow', [CompletionResultType]::ParameterName, 'With --curve-secret: admit only these client keys, a directory of public certificates (as CZMQ''s zauth) or a file of Z85 keys, one a line. Without it, any client that knows the server''s public key is admitted')
            [CompletionResult]::new('--max-connections-per-ip', '--max-connections-per-ip', [CompletionResultType]::ParameterName, 'Refuse a connection from an address that already holds N (counted over the server''s sockets as libzmq''s socket monitor reports them; ipc:// peers are not counted). Unlimited by default: many clients may share one address behind NAT')
            [CompletionResult]::new('--heartbeat', '--heartbeat', [CompletionResultType]::ParameterName, 'Heartbeat interval, both ways; workers must use the same')
            [CompletionResult]::new('--liveness', '--liveness', [CompletionResultType]::ParameterName, 'Heartbeats a worker may miss before it is purged')
            [CompletionResult]::new('--busy-timeout', '--busy-timeout', [CompletionResultType]::ParameterName, 'How long a worker holding a request may stay silent before it is presumed dead and its request is given to another ("off": never). It applies to workers that have not sent a heartbeat while busy, as the zguide''s single-threaded workers cannot; a worker that has (zmqtool''s do) is held to --liveness heartbeats, busy or not')
            [CompletionResult]::new('--service-ttl', '--service-ttl', [CompletionResultType]::ParameterName, 'How long a request waits for a worker of its service (counted from when it was queued), and how long a service with no workers is remembered')
            [CompletionResult]::new('--max-queue', '--max-queue', [CompletionResultType]::ParameterName, 'Requests queued per service; further requests are dropped and logged')
            [CompletionResult]::new('--max-msg-size', '--max-msg-size', [CompletionResultType]::ParameterName, 'Largest message accepted, all frames together (a peer that sends a bigger one is disconnected, and logged), and the bound on PARTIALs gathered into one reply for an MDP/0.1 client. Suffixes: K, M, G (powers of 1024)')
            [CompletionResult]::new('--max-frames', '--max-frames', [CompletionResultType]::ParameterName, 'Most frames in one message; longer messages are refused and logged')
            [CompletionResult]::new('--max-service-len', '--max-service-len', [CompletionResultType]::ParameterName, 'Longest service name in bytes (in READY and in requests)')
            [CompletionResult]::new('--max-queue-total', '--max-queue-total', [CompletionResultType]::ParameterName, 'Requests queued over all services; further requests are dropped and logged')
            [CompletionResult]::new('--max-queue-bytes', '--max-queue-bytes', [CompletionResultType]::ParameterName, 'Bytes of request bodies queued over all services; further requests are dropped and logged. Suffixes: K, M, G (powers of 1024)')
            [CompletionResult]::new('--max-services', '--max-services', [CompletionResultType]::ParameterName, 'Services known at once (a request for a new service beyond it is refused)')
            [CompletionResult]::new('--max-workers', '--max-workers', [CompletionResultType]::ParameterName, 'Workers registered at once (a READY beyond it gets DISCONNECT)')
            [CompletionResult]::new('--max-credit', '--max-credit', [CompletionResultType]::ParameterName, 'The most requests one worker may hold at once, whatever credit its READY announces (`worker --credit`)')
            [CompletionResult]::new('--metrics-bind', '--metrics-bind', [CompletionResultType]::ParameterName, 'Serve the statistics as Prometheus metrics on http://HOST:PORT/metrics (OpenMetrics text; a bstar server adds zmqtool_bstar_state). Off unless given; binds only there (port 0 picks one; the log says which)')
            [CompletionResult]::new('--engine', '--engine', [CompletionResultType]::ParameterName, 'Who speaks ZMTP on the broker''s socket. direct: the broker''s own thread accepts, reads and writes its connections, with no libzmq I/O thread in between; it binds tcp://ADDRESS:PORT (ADDRESS an IP or *) and ipc://PATH with the NULL mechanism and no access checks (no --allow, --max-connections-per-ip, --plain-users, --curve-secret). libzmq: a libzmq ROUTER, for everything. auto: direct where it serves, else libzmq')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zmqtool;worker' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn')
            [CompletionResult]::new('--plain', '--plain', [CompletionResultType]::ParameterName, 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others')
            [CompletionResult]::new('--curve-server-key', '--curve-server-key', [CompletionResultType]::ParameterName, 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file')
            [CompletionResult]::new('--curve-secret', '--curve-secret', [CompletionResultType]::ParameterName, 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits')
            [CompletionResult]::new('--exec', '--exec', [CompletionResultType]::ParameterName, 'Run `sh -c CMD` for each request instead of echoing it')
            [CompletionResult]::new('--filter', '--filter', [CompletionResultType]::ParameterName, 'Keep one `sh -c CMD` running per session, fed one request per line on stdin and answering one line per request on stdout: at the speed of a pipe. CMD must flush each line (`sed -u`, `awk` with fflush(), `python3 -u`, `jq --unbuffered`)')
            [CompletionResult]::new('--exec-timeout', '--exec-timeout', [CompletionResultType]::ParameterName, 'With --exec: kill the command after this long; with --filter: the longest a reply may take. Either way the request is answered with an error reply')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Without --credit: worker sessions to run, each with its own connection, so N requests are handled at once (the echo worker runs them all on one thread). With --credit: --exec or --filter jobs run at once over the one connection (an echo worker answers each request as it comes). With --all-brokers: the jobs running at once across all brokers (each broker gets N sessions without --credit; a request beyond N waits in the worker, oldest first)')
            [CompletionResult]::new('--credit', '--credit', [CompletionResultType]::ParameterName, 'Hold up to N requests at once on one connection (an extension: READY carries `credit=N`, and a zmqtool broker sends that many before the first reply comes back, so the broker round trip no longer bounds a worker''s rate). Brokers that do not know it send one at a time, as MDP says. Default 1: plain MDP. With --all-brokers the credit is per broker: each broker may send N, so the worker holds up to N per broker it is connected to, and --concurrency bounds how many of them run at once in all')
            [CompletionResult]::new('--heartbeat', '--heartbeat', [CompletionResultType]::ParameterName, 'Heartbeat interval; must match the broker''s')
            [CompletionResult]::new('--liveness', '--liveness', [CompletionResultType]::ParameterName, 'Heartbeats the broker may miss before the worker reconnects')
            [CompletionResult]::new('--reconnect', '--reconnect', [CompletionResultType]::ParameterName, 'Pause before reconnecting to a broker that went silent')
            [CompletionResult]::new('--protocol', '--protocol', [CompletionResultType]::ParameterName, 'Protocol: 0.1 (7/MDP), 0.2 (18/MDP as the RFC writes it), or majortomo (MDP/0.2 as the majortomo broker speaks it: an empty frame before the header)')
            [CompletionResult]::new('--dedup', '--dedup', [CompletionResultType]::ParameterName, 'Run each stamped request at most once (`client --client-id`/`--stamp`, Titanic): its stamp is recorded in STORE before the command runs and its reply before the reply is sent, so a repeat (a client''s retry, a redelivery) gets the stored reply and runs nothing; a repeat of a request still running waits for its reply, holding a session (a unit of --concurrency) meanwhile. A run that never answered (its worker was killed) is not run again: after the --exec-timeout plus 5 s, its repeats get the error reply "outcome unknown". A repeat whose body differs from the first request''s (its key used again for another request) gets the error reply "key reused" and runs nothing. STORE is a SQLite file (shared by the workers of one machine; `sqlite:PATH` also works), a PostgreSQL URL (`postgres://...`, shared by workers on several machines) or `memory:` (this process only). READY announces `dedup`, so a zmqtool broker sends this worker the stamps')
            [CompletionResult]::new('--dedup-window', '--dedup-window', [CompletionResultType]::ParameterName, 'With --dedup: how long replies are kept (a repeat after that runs again)')
            [CompletionResult]::new('--engine', '--engine', [CompletionResultType]::ParameterName, 'Who speaks ZMTP on the broker connections. direct: the worker''s own thread reads and writes them, with no libzmq I/O thread in between; it serves the echo worker (no --exec, --filter or --dedup) on tcp:// or ipc:// with the NULL mechanism, one broker at a time (no --all-brokers). libzmq: libzmq sockets, for everything. auto: direct where it serves, else libzmq')
            [CompletionResult]::new('-0', '-0', [CompletionResultType]::ParameterName, 'With --exec: separate frames with NUL instead of newline, on stdin and stdout')
            [CompletionResult]::new('--null', '--null', [CompletionResultType]::ParameterName, 'With --exec: separate frames with NUL instead of newline, on stdin and stdout')
            [CompletionResult]::new('--stream', '--stream', [CompletionResultType]::ParameterName, 'With --exec and --protocol 0.2: send each line of stdout as a PARTIAL as it appears; the last line is the FINAL')
            [CompletionResult]::new('--all-brokers', '--all-brokers', [CompletionResultType]::ParameterName, 'Serve every broker of the --broker list at once, instead of one at a time with the others as failover: brokers run side by side and each one gets this worker. Each broker has sessions of its own, with their own heartbeats and reconnects, so a broker that dies or restarts touches only its own (the worker registers again when it comes back); the others keep being served. On SIGTERM every session finishes its requests, then sends DISCONNECT')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zmqtool;client' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn')
            [CompletionResult]::new('--plain', '--plain', [CompletionResultType]::ParameterName, 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others')
            [CompletionResult]::new('--curve-server-key', '--curve-server-key', [CompletionResultType]::ParameterName, 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file')
            [CompletionResult]::new('--curve-secret', '--curve-secret', [CompletionResultType]::ParameterName, 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each attempt waits for a reply (each PARTIAL restarts the wait)')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Attempts in all before giving up')
            [CompletionResult]::new('--protocol', '--protocol', [CompletionResultType]::ParameterName, 'Protocol: 0.1 (7/MDP), 0.2 (18/MDP, PARTIAL replies printed as they come), or majortomo (MDP/0.2 as the majortomo broker speaks it: an empty frame before the header, its own command numbers, no service frame in replies)')
            [CompletionResult]::new('--pipeline', '--pipeline', [CompletionResultType]::ParameterName, 'With --lines: requests in flight at once')
            [CompletionResult]::new('--head-start', '--head-start', [CompletionResultType]::ParameterName, 'With several --broker: how long a connection may take to be established (its handshake done) before the next broker of the list is tried as well; the first connection established gets the request, the others are closed. A request only goes to an established connection, one per attempt, so racing connections never runs it twice. "off": each attempt waits --timeout for its one connection')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'Stamp requests with this client id (1-64 printable characters, no spaces). With --lines, each request''s key is its line number; a single call needs --request-id. Re-running a script with the same id and input re-sends the same stamps, so what ran before is answered from the workers'' store, not run again (a line that changed meanwhile gets "key reused")')
            [CompletionResult]::new('--request-id', '--request-id', [CompletionResultType]::ParameterName, 'The key of this one call (1-64 printable characters, no spaces: an order number, say), with --client-id, ZMQTOOL_CLIENT_ID or --stamp')
            [CompletionResult]::new('--raw', '--raw', [CompletionResultType]::ParameterName, 'Write the reply frames to stdout as they are, with nothing between them')
            [CompletionResult]::new('--lines', '--lines', [CompletionResultType]::ParameterName, 'One request per line of stdin; one reply per line of stdout, in order')
            [CompletionResult]::new('--fail-fast', '--fail-fast', [CompletionResultType]::ParameterName, 'Ask the broker''s mmi.service first (one round trip, within --timeout): when no worker serves SERVICE, end at once with exit 4 and "no worker for SERVICE" instead of waiting out --timeout and --retries. Off by default, so the broker may queue a request until a worker comes. Not for brokers without MMI (majortomo''s), which never answer mmi.service')
            [CompletionResult]::new('--spread', '--spread', [CompletionResultType]::ParameterName, 'Spread the requests over the --broker list: each to the next broker of the list, round robin (across runs too, while the broker memory is on), skipping for 30 s a broker that timed out or could not be connected to. Without it the list is a failover list: every request goes to the broker that answered last. For brokers that are each complete (not a Binary Star pair, whose passive server serves no one)')
            [CompletionResult]::new('--no-state', '--no-state', [CompletionResultType]::ParameterName, 'Do not remember which broker of the list answered last. By default it is kept in $XDG_RUNTIME_DIR/zmqtool (else $XDG_CACHE_HOME/zmqtool, else ~/.cache/zmqtool; the environment variable ZMQTOOL_STATE=DIR moves it, ZMQTOOL_STATE=off turns it off), one small file per broker list, and the next run tries that broker first')
            [CompletionResult]::new('--stamp', '--stamp', [CompletionResultType]::ParameterName, 'Stamp requests with a random client id, new each run (retries within the run are covered; a re-run is not). A single call''s key is 1; with --lines, the line number')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zmqtool;stats' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn')
            [CompletionResult]::new('--plain', '--plain', [CompletionResultType]::ParameterName, 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others')
            [CompletionResult]::new('--curve-server-key', '--curve-server-key', [CompletionResultType]::ParameterName, 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file')
            [CompletionResult]::new('--curve-secret', '--curve-secret', [CompletionResultType]::ParameterName, 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Ask again every DUR, until interrupted')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each attempt waits for a reply')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Attempts in all before giving up')
            [CompletionResult]::new('--head-start', '--head-start', [CompletionResultType]::ParameterName, 'With several --broker: how long a connection may take to be established (its handshake done) before the next broker of the list is tried as well; the first connection established gets the request, the others are closed. A request only goes to an established connection, one per attempt, so racing connections never runs it twice. "off": each attempt waits --timeout for its one connection')
            [CompletionResult]::new('--all-brokers', '--all-brokers', [CompletionResultType]::ParameterName, 'Ask every broker of the --broker list at once and sum their figures, instead of asking the first that answers')
            [CompletionResult]::new('--no-state', '--no-state', [CompletionResultType]::ParameterName, 'Do not remember which broker of the list answered last. By default it is kept in $XDG_RUNTIME_DIR/zmqtool (else $XDG_CACHE_HOME/zmqtool, else ~/.cache/zmqtool; the environment variable ZMQTOOL_STATE=DIR moves it, ZMQTOOL_STATE=off turns it off), one small file per broker list, and the next run tries that broker first')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zmqtool;top' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn')
            [CompletionResult]::new('--plain', '--plain', [CompletionResultType]::ParameterName, 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others')
            [CompletionResult]::new('--curve-server-key', '--curve-server-key', [CompletionResultType]::ParameterName, 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file')
            [CompletionResult]::new('--curve-secret', '--curve-secret', [CompletionResultType]::ParameterName, 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'How often to ask the broker')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each request waits for the answer before the view says the broker is not answering')
            [CompletionResult]::new('--head-start', '--head-start', [CompletionResultType]::ParameterName, 'With several --broker: how long a connection may take to be established (its handshake done) before the next broker of the list is tried as well; the first connection established gets the request, the others are closed. A request only goes to an established connection, one per attempt, so racing connections never runs it twice. "off": each attempt waits --timeout for its one connection')
            [CompletionResult]::new('--no-state', '--no-state', [CompletionResultType]::ParameterName, 'Do not remember which broker of the list answered last. By default it is kept in $XDG_RUNTIME_DIR/zmqtool (else $XDG_CACHE_HOME/zmqtool, else ~/.cache/zmqtool; the environment variable ZMQTOOL_STATE=DIR moves it, ZMQTOOL_STATE=off turns it off), one small file per broker list, and the next run tries that broker first')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zmqtool;mmi' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn')
            [CompletionResult]::new('--plain', '--plain', [CompletionResultType]::ParameterName, 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others')
            [CompletionResult]::new('--curve-server-key', '--curve-server-key', [CompletionResultType]::ParameterName, 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file')
            [CompletionResult]::new('--curve-secret', '--curve-secret', [CompletionResultType]::ParameterName, 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each attempt waits for a reply')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Attempts in all before giving up')
            [CompletionResult]::new('--head-start', '--head-start', [CompletionResultType]::ParameterName, 'With several --broker: how long a connection may take to be established (its handshake done) before the next broker of the list is tried as well; the first connection established gets the request, the others are closed. A request only goes to an established connection, one per attempt, so racing connections never runs it twice. "off": each attempt waits --timeout for its one connection')
            [CompletionResult]::new('--all-brokers', '--all-brokers', [CompletionResultType]::ParameterName, 'Ask every broker of the --broker list at once and merge the answers, instead of asking the first that answers')
            [CompletionResult]::new('--no-state', '--no-state', [CompletionResultType]::ParameterName, 'Do not remember which broker of the list answered last. By default it is kept in $XDG_RUNTIME_DIR/zmqtool (else $XDG_CACHE_HOME/zmqtool, else ~/.cache/zmqtool; the environment variable ZMQTOOL_STATE=DIR moves it, ZMQTOOL_STATE=off turns it off), one small file per broker list, and the next run tries that broker first')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zmqtool;bstar' {
            [CompletionResult]::new('--frontend', '--frontend', [CompletionResultType]::ParameterName, 'Endpoint clients and workers connect to')
            [CompletionResult]::new('--state-bind', '--state-bind', [CompletionResultType]::ParameterName, 'Endpoint this server publishes its state on')
            [CompletionResult]::new('--state-connect', '--state-connect', [CompletionResultType]::ParameterName, 'The peer''s state endpoint')
            [CompletionResult]::new('--peer-heartbeat', '--peer-heartbeat', [CompletionResultType]::ParameterName, 'Interval of the state exchange; the peer is dead after two silent intervals')
            [CompletionResult]::new('--on-change', '--on-change', [CompletionResultType]::ParameterName, 'Run `sh -c CMD` on each state change, with ZMQTOOL_BSTAR_STATE (primary, backup, active, passive) and ZMQTOOL_BSTAR_PREVIOUS set')
            [CompletionResult]::new('--allow', '--allow', [CompletionResultType]::ParameterName, 'Accept connections only from this address range (e.g. 10.0.0.0/8, 127.0.0.1); repeat for several. Others are refused before any message is read')
            [CompletionResult]::new('--plain-users', '--plain-users', [CompletionResultType]::ParameterName, 'Require the PLAIN mechanism with a user and password from FILE (user:password lines). PLAIN does not encrypt: passwords cross the network in clear text')
            [CompletionResult]::new('--curve-secret', '--curve-secret', [CompletionResultType]::ParameterName, 'Encrypt with CURVE, as the server whose secret certificate is FILE (from `zmqtool keygen --out`, or CZMQ''s zcert). Clients need its public key (--curve-server-key)')
            [CompletionResult]::new('--curve-allow', '--curve-allow', [CompletionResultType]::ParameterName, 'With --curve-secret: admit only these client keys, a directory of public certificates (as CZMQ''s zauth) or a file of Z85 keys, one a line. Without it, any client that knows the server''s public key is admitted')
            [CompletionResult]::new('--max-connections-per-ip', '--max-connections-per-ip', [CompletionResultType]::ParameterName, 'Refuse a connection from an address that already holds N (counted over the server''s sockets as libzmq''s socket monitor reports them; ipc:// peers are not counted). Unlimited by default: many clients may share one address behind NAT')
            [CompletionResult]::new('--heartbeat', '--heartbeat', [CompletionResultType]::ParameterName, 'Heartbeat interval, both ways; workers must use the same')
            [CompletionResult]::new('--liveness', '--liveness', [CompletionResultType]::ParameterName, 'Heartbeats a worker may miss before it is purged')
            [CompletionResult]::new('--busy-timeout', '--busy-timeout', [CompletionResultType]::ParameterName, 'How long a worker holding a request may stay silent before it is presumed dead and its request is given to another ("off": never). It applies to workers that have not sent a heartbeat while busy, as the zguide''s single-threaded workers cannot; a worker that has (zmqtool''s do) is held to --liveness heartbeats, busy or not')
            [CompletionResult]::new('--service-ttl', '--service-ttl', [CompletionResultType]::ParameterName, 'How long a request waits for a worker of its service (counted from when it was queued), and how long a service with no workers is remembered')
            [CompletionResult]::new('--max-queue', '--max-queue', [CompletionResultType]::ParameterName, 'Requests queued per service; further requests are dropped and logged')
            [CompletionResult]::new('--max-msg-size', '--max-msg-size', [CompletionResultType]::ParameterName, 'Largest message accepted, all frames together (a peer that sends a bigger one is disconnected, and logged), and the bound on PARTIALs gathered into one reply for an MDP/0.1 client. Suffixes: K, M, G (powers of 1024)')
            [CompletionResult]::new('--max-frames', '--max-frames', [CompletionResultType]::ParameterName, 'Most frames in one message; longer messages are refused and logged')
            [CompletionResult]::new('--max-service-len', '--max-service-len', [CompletionResultType]::ParameterName, 'Longest service name in bytes (in READY and in requests)')
            [CompletionResult]::new('--max-queue-total', '--max-queue-total', [CompletionResultType]::ParameterName, 'Requests queued over all services; further requests are dropped and logged')
            [CompletionResult]::new('--max-queue-bytes', '--max-queue-bytes', [CompletionResultType]::ParameterName, 'Bytes of request bodies queued over all services; further requests are dropped and logged. Suffixes: K, M, G (powers of 1024)')
            [CompletionResult]::new('--max-services', '--max-services', [CompletionResultType]::ParameterName, 'Services known at once (a request for a new service beyond it is refused)')
            [CompletionResult]::new('--max-workers', '--max-workers', [CompletionResultType]::ParameterName, 'Workers registered at once (a READY beyond it gets DISCONNECT)')
            [CompletionResult]::new('--max-credit', '--max-credit', [CompletionResultType]::ParameterName, 'The most requests one worker may hold at once, whatever credit its READY announces (`worker --credit`)')
            [CompletionResult]::new('--metrics-bind', '--metrics-bind', [CompletionResultType]::ParameterName, 'Serve the statistics as Prometheus metrics on http://HOST:PORT/metrics (OpenMetrics text; a bstar server adds zmqtool_bstar_state). Off unless given; binds only there (port 0 picks one; the log says which)')
            [CompletionResult]::new('--primary', '--primary', [CompletionResultType]::ParameterName, 'Be the primary server of the pair')
            [CompletionResult]::new('--backup', '--backup', [CompletionResultType]::ParameterName, 'Be the backup server of the pair')
            [CompletionResult]::new('--echo', '--echo', [CompletionResultType]::ParameterName, 'Answer every request with itself (the reference example server), instead of hosting the Majordomo broker')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Print the state a Binary Star server publishes: primary, backup, active or passive')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zmqtool;bstar;status' {
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'How long to listen')
            [CompletionResult]::new('--curve-server-key', '--curve-server-key', [CompletionResultType]::ParameterName, 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file')
            [CompletionResult]::new('--curve-secret', '--curve-secret', [CompletionResultType]::ParameterName, 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zmqtool;bstar;help' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Print the state a Binary Star server publishes: primary, backup, active or passive')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zmqtool;bstar;help;status' {
            break
        }
        'zmqtool;bstar;help;help' {
            break
        }
        'zmqtool;bench' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker to drive; without it, an embedded broker and echo workers are started. Several (repeated or comma-separated) need --spread')
            [CompletionResult]::new('--plain', '--plain', [CompletionResultType]::ParameterName, 'Authenticate with the PLAIN mechanism as USER:PASSWORD (with --broker)')
            [CompletionResult]::new('--curve-server-key', '--curve-server-key', [CompletionResultType]::ParameterName, 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file')
            [CompletionResult]::new('--curve-secret', '--curve-secret', [CompletionResultType]::ParameterName, 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits')
            [CompletionResult]::new('--requests', '--requests', [CompletionResultType]::ParameterName, 'Stop after this many requests (after the warmup)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Measure for this long (after the warmup). Default: 5s')
            [CompletionResult]::new('--warmup', '--warmup', [CompletionResultType]::ParameterName, 'Run the load this long first, without recording')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Clients, each with its own connection (all driven from one thread). At most 1000: libzmq opens at most 1,023 sockets in one context, and every client is one')
            [CompletionResult]::new('--pipeline', '--pipeline', [CompletionResultType]::ParameterName, 'Requests in flight per client (with --rate: the most in flight per client)')
            [CompletionResult]::new('--size', '--size', [CompletionResultType]::ParameterName, 'Request body size in bytes (at least 8: each body starts with its request id; the rest is random). Suffixes: K, M')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Open model: send this many requests per second in all, whatever the replies do')
            [CompletionResult]::new('--workers', '--workers', [CompletionResultType]::ParameterName, 'Echo workers of the embedded broker')
            [CompletionResult]::new('--credit', '--credit', [CompletionResultType]::ParameterName, 'Each embedded worker holds up to N requests at once (`worker --credit`); 1 is plain MDP, one round trip to the broker per request')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'A request with no reply after this long counts as a timeout')
            [CompletionResult]::new('--threshold', '--threshold', [CompletionResultType]::ParameterName, 'A rule the run must meet, e.g. ''p99<5ms'', ''errors==0'', ''throughput>=20000'' (metrics: p50 p90 p99 p99.9 max throughput errors timeouts); exit 7 if one is broken')
            [CompletionResult]::new('--protocol', '--protocol', [CompletionResultType]::ParameterName, 'Protocol version of the clients: 0.1 or 0.2')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'How replies are checked. echo: each must be exactly its request (an echo service). none: any well-formed reply from SERVICE counts, for services that do not echo; replies are then matched to requests in sending order, so with several workers answering out of order the latency figures are approximate (exact with --pipeline 1)')
            [CompletionResult]::new('--engine', '--engine', [CompletionResultType]::ParameterName, 'Who speaks ZMTP for the clients. direct: the clients'' own thread reads and writes their TCP or IPC connections (NULL mechanism only), so the load generator costs less than what it measures. libzmq: libzmq DEALER sockets, each message handed to libzmq''s I/O thread and back. auto: direct unless --curve or --plain is given')
            [CompletionResult]::new('--spread', '--spread', [CompletionResultType]::ParameterName, 'With several --broker: drive them all at once, the clients (--concurrency, at least one per broker) shared out over the list in turn; the report gives the total and each broker''s share (--json: "brokers", one object per broker). For brokers side by side, each with its own workers, not a Binary Star pair (its passive server answers nothing)')
            [CompletionResult]::new('--proxy', '--proxy', [CompletionResultType]::ParameterName, 'Drive the raw baseline instead of the broker: a ROUTER-DEALER zmq_proxy with REP echo workers behind it (MDP/0.1 requests come back unchanged, a valid reply)')
            [CompletionResult]::new('--compare', '--compare', [CompletionResultType]::ParameterName, 'Run the same load against the embedded broker, then the lean MDP broker (the floor for any MDP broker on libzmq: zero-copy forwarding, routing only, the same echo workers), then the raw proxy, and report the broker''s throughput and latency as ratios of each')
            [CompletionResult]::new('--stamp', '--stamp', [CompletionResultType]::ParameterName, 'Stamp each request (a random client id for the run, the request''s number as its key), as `client --stamp` does: against a `worker --dedup`, this measures what recording each request and its reply costs. The echo check takes the worker''s outcome frame off')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zmqtool;perf' {
            [CompletionResult]::new('--bind', '--bind', [CompletionResultType]::ParameterName, 'Run the receiving end (thr: prints the report) or the echo end (lat) on this endpoint')
            [CompletionResult]::new('--connect', '--connect', [CompletionResultType]::ParameterName, 'Run the sending end (lat: prints the report) against this endpoint')
            [CompletionResult]::new('--size', '--size', [CompletionResultType]::ParameterName, 'Message size in bytes. Suffixes: K, M')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Messages (thr, default 1000000) or round trips (lat, default 10000)')
            [CompletionResult]::new('--curve-server-key', '--curve-server-key', [CompletionResultType]::ParameterName, 'With --connect: encrypt with CURVE to the --bind end with this public key (Z85, as it printed it, or a certificate file)')
            [CompletionResult]::new('--curve', '--curve', [CompletionResultType]::ParameterName, 'Encrypt with CURVE, as libzmq''s perf tools can. In one process both ends do; with --bind a keypair is made and its public key printed on stderr, for the other end''s --curve-server-key')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zmqtool;keygen' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the certificate to PATH and the secret certificate to PATH_secret')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zmqtool;check' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('broker', 'broker', [CompletionResultType]::ParameterValue, 'The broker answers MMI within --timeout: its round trip, services, workers, queued requests and heartbeat mismatches')
            [CompletionResult]::new('service', 'service', [CompletionResultType]::ParameterValue, 'SERVICE has at least --min-workers workers, its queue is at most --max-queue, and with --request a real request is answered (matching --expect) within the thresholds')
            [CompletionResult]::new('titanic', 'titanic', [CompletionResultType]::ParameterValue, 'The Titanic services have workers, and a request/reply/close round trip completes')
            [CompletionResult]::new('bstar', 'bstar', [CompletionResultType]::ParameterValue, 'Exactly one server of a Binary Star pair is active and the other passive')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zmqtool;check;broker' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn')
            [CompletionResult]::new('--plain', '--plain', [CompletionResultType]::ParameterName, 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others')
            [CompletionResult]::new('--curve-server-key', '--curve-server-key', [CompletionResultType]::ParameterName, 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file')
            [CompletionResult]::new('--curve-secret', '--curve-secret', [CompletionResultType]::ParameterName, 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits')
            [CompletionResult]::new('--protocol', '--protocol', [CompletionResultType]::ParameterName, 'Protocol of the questions: 0.1, 0.2 or majortomo')
            [CompletionResult]::new('--warn', '--warn', [CompletionResultType]::ParameterName, 'WARNING when the round trip is out of this range of durations (e.g. 250ms)')
            [CompletionResult]::new('--crit', '--crit', [CompletionResultType]::ParameterName, 'CRITICAL when the round trip is out of this range of durations (e.g. 1s)')
            [CompletionResult]::new('--warn-workers', '--warn-workers', [CompletionResultType]::ParameterName, 'WARNING when the number of workers is out of this range (e.g. 2: for fewer than 2)')
            [CompletionResult]::new('--crit-workers', '--crit-workers', [CompletionResultType]::ParameterName, 'CRITICAL when the number of workers is out of this range (e.g. 1:)')
            [CompletionResult]::new('--warn-queue', '--warn-queue', [CompletionResultType]::ParameterName, 'WARNING when the number of queued requests is out of this range (e.g. 100)')
            [CompletionResult]::new('--crit-queue', '--crit-queue', [CompletionResultType]::ParameterName, 'CRITICAL when the number of queued requests is out of this range (e.g. 1000)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output: text (a short summary), nagios (`KIND STATUS: text | perfdata`), json (one object: status, checks, metrics and thresholds; the same as --json), prometheus (text exposition: zmqtool_check_up, zmqtool_check_status, probe_success, probe_duration_seconds, and zmqtool_check_NAME per metric)')
            [CompletionResult]::new('--exit', '--exit', [CompletionResultType]::ParameterName, 'Exit codes: nagios (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN) or probe (0 healthy: OK or WARNING; 1 otherwise)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'The longest the whole check may take; what has not answered by then is CRITICAL')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zmqtool;check;service' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn')
            [CompletionResult]::new('--plain', '--plain', [CompletionResultType]::ParameterName, 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others')
            [CompletionResult]::new('--curve-server-key', '--curve-server-key', [CompletionResultType]::ParameterName, 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file')
            [CompletionResult]::new('--curve-secret', '--curve-secret', [CompletionResultType]::ParameterName, 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits')
            [CompletionResult]::new('--protocol', '--protocol', [CompletionResultType]::ParameterName, 'Protocol of the questions and the request: 0.1, 0.2 or majortomo')
            [CompletionResult]::new('--min-workers', '--min-workers', [CompletionResultType]::ParameterName, 'CRITICAL with fewer workers than this (the same as --crit-workers N:)')
            [CompletionResult]::new('--max-queue', '--max-queue', [CompletionResultType]::ParameterName, 'CRITICAL when more than N requests wait (the same as --crit-queue N)')
            [CompletionResult]::new('--request', '--request', [CompletionResultType]::ParameterName, 'Send a real request to the service, one frame per value (the frames end at the next option), and time its reply')
            [CompletionResult]::new('--expect', '--expect', [CompletionResultType]::ParameterName, 'With --request: CRITICAL unless the reply (its frames joined by newlines, as text) matches this regular expression')
            [CompletionResult]::new('--warn', '--warn', [CompletionResultType]::ParameterName, 'WARNING when the round trip is out of this range of durations (e.g. 250ms)')
            [CompletionResult]::new('--crit', '--crit', [CompletionResultType]::ParameterName, 'CRITICAL when the round trip is out of this range of durations (e.g. 1s)')
            [CompletionResult]::new('--warn-workers', '--warn-workers', [CompletionResultType]::ParameterName, 'WARNING when the number of workers is out of this range (e.g. 2: for fewer than 2)')
            [CompletionResult]::new('--crit-workers', '--crit-workers', [CompletionResultType]::ParameterName, 'CRITICAL when the number of workers is out of this range (e.g. 1:)')
            [CompletionResult]::new('--warn-queue', '--warn-queue', [CompletionResultType]::ParameterName, 'WARNING when the number of queued requests is out of this range (e.g. 100)')
            [CompletionResult]::new('--crit-queue', '--crit-queue', [CompletionResultType]::ParameterName, 'CRITICAL when the number of queued requests is out of this range (e.g. 1000)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output: text (a short summary), nagios (`KIND STATUS: text | perfdata`), json (one object: status, checks, metrics and thresholds; the same as --json), prometheus (text exposition: zmqtool_check_up, zmqtool_check_status, probe_success, probe_duration_seconds, and zmqtool_check_NAME per metric)')
            [CompletionResult]::new('--exit', '--exit', [CompletionResultType]::ParameterName, 'Exit codes: nagios (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN) or probe (0 healthy: OK or WARNING; 1 otherwise)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'The longest the whole check may take; what has not answered by then is CRITICAL')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zmqtool;check;titanic' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn')
            [CompletionResult]::new('--plain', '--plain', [CompletionResultType]::ParameterName, 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others')
            [CompletionResult]::new('--curve-server-key', '--curve-server-key', [CompletionResultType]::ParameterName, 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file')
            [CompletionResult]::new('--curve-secret', '--curve-secret', [CompletionResultType]::ParameterName, 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits')
            [CompletionResult]::new('--service', '--service', [CompletionResultType]::ParameterName, 'Send the round trip''s request to this service (it must answer)')
            [CompletionResult]::new('--request', '--request', [CompletionResultType]::ParameterName, 'With --service: the request''s frames (default: one frame, "zmqtool check")')
            [CompletionResult]::new('--warn', '--warn', [CompletionResultType]::ParameterName, 'WARNING when the round trip is out of this range of durations (e.g. 250ms)')
            [CompletionResult]::new('--crit', '--crit', [CompletionResultType]::ParameterName, 'CRITICAL when the round trip is out of this range of durations (e.g. 1s)')
            [CompletionResult]::new('--warn-queue', '--warn-queue', [CompletionResultType]::ParameterName, 'WARNING when the number of queued requests is out of this range (e.g. 100)')
            [CompletionResult]::new('--crit-queue', '--crit-queue', [CompletionResultType]::ParameterName, 'CRITICAL when the number of queued requests is out of this range (e.g. 1000)')
            [CompletionResult]::new('--warn-age', '--warn-age', [CompletionResultType]::ParameterName, 'WARNING when the oldest pending request''s age is out of this range (e.g. 10m)')
            [CompletionResult]::new('--crit-age', '--crit-age', [CompletionResultType]::ParameterName, 'CRITICAL when the oldest pending request''s age is out of this range (e.g. 1h)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output: text (a short summary), nagios (`KIND STATUS: text | perfdata`), json (one object: status, checks, metrics and thresholds; the same as --json), prometheus (text exposition: zmqtool_check_up, zmqtool_check_status, probe_success, probe_duration_seconds, and zmqtool_check_NAME per metric)')
            [CompletionResult]::new('--exit', '--exit', [CompletionResultType]::ParameterName, 'Exit codes: nagios (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN) or probe (0 healthy: OK or WARNING; 1 otherwise)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'The longest the whole check may take; what has not answered by then is CRITICAL')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zmqtool;check;bstar' {
            [CompletionResult]::new('--curve-server-key', '--curve-server-key', [CompletionResultType]::ParameterName, 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file')
            [CompletionResult]::new('--curve-secret', '--curve-secret', [CompletionResultType]::ParameterName, 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output: text (a short summary), nagios (`KIND STATUS: text | perfdata`), json (one object: status, checks, metrics and thresholds; the same as --json), prometheus (text exposition: zmqtool_check_up, zmqtool_check_status, probe_success, probe_duration_seconds, and zmqtool_check_NAME per metric)')
            [CompletionResult]::new('--exit', '--exit', [CompletionResultType]::ParameterName, 'Exit codes: nagios (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN) or probe (0 healthy: OK or WARNING; 1 otherwise)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'The longest the whole check may take; what has not answered by then is CRITICAL')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zmqtool;check;help' {
            [CompletionResult]::new('broker', 'broker', [CompletionResultType]::ParameterValue, 'The broker answers MMI within --timeout: its round trip, services, workers, queued requests and heartbeat mismatches')
            [CompletionResult]::new('service', 'service', [CompletionResultType]::ParameterValue, 'SERVICE has at least --min-workers workers, its queue is at most --max-queue, and with --request a real request is answered (matching --expect) within the thresholds')
            [CompletionResult]::new('titanic', 'titanic', [CompletionResultType]::ParameterValue, 'The Titanic services have workers, and a request/reply/close round trip completes')
            [CompletionResult]::new('bstar', 'bstar', [CompletionResultType]::ParameterValue, 'Exactly one server of a Binary Star pair is active and the other passive')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zmqtool;check;help;broker' {
            break
        }
        'zmqtool;check;help;service' {
            break
        }
        'zmqtool;check;help;titanic' {
            break
        }
        'zmqtool;check;help;bstar' {
            break
        }
        'zmqtool;check;help;help' {
            break
        }
        'zmqtool;completions' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Write the scripts for every shell into DIR instead (what fills completions/)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zmqtool;man' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zmqtool;titanic' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run the Titanic server: the titanic.request, titanic.reply and titanic.close services, and the dispatcher that delivers stored requests')
            [CompletionResult]::new('request', 'request', [CompletionResultType]::ParameterValue, 'Store a request for SERVICE with Titanic and print its UUID')
            [CompletionResult]::new('call', 'call', [CompletionResultType]::ParameterValue, 'Store a request, wait for its reply, close it, and print the reply')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List the requests in a store: pending and replied, with their age')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Copy a store''s pending requests and unclosed replies into another store')
            [CompletionResult]::new('reply', 'reply', [CompletionResultType]::ParameterValue, 'Print the reply to a stored request')
            [CompletionResult]::new('close', 'close', [CompletionResultType]::ParameterValue, 'Delete a stored request and its reply')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zmqtool;titanic;serve' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn')
            [CompletionResult]::new('--plain', '--plain', [CompletionResultType]::ParameterName, 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others')
            [CompletionResult]::new('--curve-server-key', '--curve-server-key', [CompletionResultType]::ParameterName, 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file')
            [CompletionResult]::new('--curve-secret', '--curve-secret', [CompletionResultType]::ParameterName, 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store. A path (or sqlite:PATH): one SQLite file, created with mode 0600, used by one server. postgres://USER@HOST/DB, postgresql://..., libpq key=value pairs, or postgres: (everything from the PG* variables): a PostgreSQL database that several servers share (sslmode=disable|prefer|require|verify-ca|verify-full). memory: this process''s memory only, much faster and not durable: requests and replies are lost when the server stops or crashes')
            [CompletionResult]::new('--lease', '--lease', [CompletionResultType]::ParameterName, 'With a shared (PostgreSQL) store: how long this server''s claim on a request holds without renewal (it renews every third of it). A server that dies delays its requests this long')
            [CompletionResult]::new('--inflight', '--inflight', [CompletionResultType]::ParameterName, 'Calls to services in flight at once')
            [CompletionResult]::new('--delivery-timeout', '--delivery-timeout', [CompletionResultType]::ParameterName, 'How long a stored request''s service may take to reply before it is retried')
            [CompletionResult]::new('--retain', '--retain', [CompletionResultType]::ParameterName, 'Delete replies nobody closed after this long (default: keep them)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'titanic.request sessions: requests stored at once, sharing one commit')
            [CompletionResult]::new('--heartbeat', '--heartbeat', [CompletionResultType]::ParameterName, 'Heartbeat interval with the broker; must match the broker''s')
            [CompletionResult]::new('--reconnect', '--reconnect', [CompletionResultType]::ParameterName, 'Pause before reconnecting to a broker that went silent')
            [CompletionResult]::new('--all-brokers', '--all-brokers', [CompletionResultType]::ParameterName, 'Register the services with every broker of the --broker list at once (each broker with sessions of its own), instead of one at a time with the others as failover: clients of any broker then reach this server')
            [CompletionResult]::new('--no-stamp', '--no-stamp', [CompletionResultType]::ParameterName, 'Deliver requests unstamped: for a broker that does not know stamps (the zguide''s, majortomo) in front of workers that do not either, which would see the stamp as one more frame. (A zmqtool broker gives stamps only to workers that announced `dedup`.)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zmqtool;titanic;request' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn')
            [CompletionResult]::new('--plain', '--plain', [CompletionResultType]::ParameterName, 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others')
            [CompletionResult]::new('--curve-server-key', '--curve-server-key', [CompletionResultType]::ParameterName, 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file')
            [CompletionResult]::new('--curve-secret', '--curve-secret', [CompletionResultType]::ParameterName, 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each attempt waits for the Titanic server''s answer')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Attempts in all before giving up (exit 3)')
            [CompletionResult]::new('--head-start', '--head-start', [CompletionResultType]::ParameterName, 'With several --broker: how long a connection may take to be established (its handshake done) before the next broker of the list is tried as well; the first connection established gets the request, the others are closed. A request only goes to an established connection, one per attempt, so racing connections never runs it twice. "off": each attempt waits --timeout for its one connection')
            [CompletionResult]::new('--pipeline', '--pipeline', [CompletionResultType]::ParameterName, 'With --lines: requests in flight at once')
            [CompletionResult]::new('--no-state', '--no-state', [CompletionResultType]::ParameterName, 'Do not remember which broker of the list answered last. By default it is kept in $XDG_RUNTIME_DIR/zmqtool (else $XDG_CACHE_HOME/zmqtool, else ~/.cache/zmqtool; the environment variable ZMQTOOL_STATE=DIR moves it, ZMQTOOL_STATE=off turns it off), one small file per broker list, and the next run tries that broker first')
            [CompletionResult]::new('--lines', '--lines', [CompletionResultType]::ParameterName, 'One request per line of stdin; one UUID per line of stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zmqtool;titanic;call' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn')
            [CompletionResult]::new('--plain', '--plain', [CompletionResultType]::ParameterName, 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others')
            [CompletionResult]::new('--curve-server-key', '--curve-server-key', [CompletionResultType]::ParameterName, 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file')
            [CompletionResult]::new('--curve-secret', '--curve-secret', [CompletionResultType]::ParameterName, 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each attempt waits for the Titanic server''s answer')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Attempts in all before giving up (exit 3)')
            [CompletionResult]::new('--head-start', '--head-start', [CompletionResultType]::ParameterName, 'With several --broker: how long a connection may take to be established (its handshake done) before the next broker of the list is tried as well; the first connection established gets the request, the others are closed. A request only goes to an established connection, one per attempt, so racing connections never runs it twice. "off": each attempt waits --timeout for its one connection')
            [CompletionResult]::new('--poll', '--poll', [CompletionResultType]::ParameterName, 'How often to ask for the reply')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'How long to wait for the reply in all')
            [CompletionResult]::new('--no-state', '--no-state', [CompletionResultType]::ParameterName, 'Do not remember which broker of the list answered last. By default it is kept in $XDG_RUNTIME_DIR/zmqtool (else $XDG_CACHE_HOME/zmqtool, else ~/.cache/zmqtool; the environment variable ZMQTOOL_STATE=DIR moves it, ZMQTOOL_STATE=off turns it off), one small file per broker list, and the next run tries that broker first')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zmqtool;titanic;ls' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store to read (a path, sqlite:PATH, or a PostgreSQL URL or key=value pairs)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zmqtool;titanic;migrate' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'The store to copy from')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The store to copy into (created if need be)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zmqtool;titanic;reply' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn')
            [CompletionResult]::new('--plain', '--plain', [CompletionResultType]::ParameterName, 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others')
            [CompletionResult]::new('--curve-server-key', '--curve-server-key', [CompletionResultType]::ParameterName, 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file')
            [CompletionResult]::new('--curve-secret', '--curve-secret', [CompletionResultType]::ParameterName, 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each attempt waits for the Titanic server''s answer')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Attempts in all before giving up (exit 3)')
            [CompletionResult]::new('--head-start', '--head-start', [CompletionResultType]::ParameterName, 'With several --broker: how long a connection may take to be established (its handshake done) before the next broker of the list is tried as well; the first connection established gets the request, the others are closed. A request only goes to an established connection, one per attempt, so racing connections never runs it twice. "off": each attempt waits --timeout for its one connection')
            [CompletionResult]::new('--no-state', '--no-state', [CompletionResultType]::ParameterName, 'Do not remember which broker of the list answered last. By default it is kept in $XDG_RUNTIME_DIR/zmqtool (else $XDG_CACHE_HOME/zmqtool, else ~/.cache/zmqtool; the environment variable ZMQTOOL_STATE=DIR moves it, ZMQTOOL_STATE=off turns it off), one small file per broker list, and the next run tries that broker first')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zmqtool;titanic;close' {
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn')
            [CompletionResult]::new('--plain', '--plain', [CompletionResultType]::ParameterName, 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others')
            [CompletionResult]::new('--curve-server-key', '--curve-server-key', [CompletionResultType]::ParameterName, 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file')
            [CompletionResult]::new('--curve-secret', '--curve-secret', [CompletionResultType]::ParameterName, 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each attempt waits for the Titanic server''s answer')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Attempts in all before giving up (exit 3)')
            [CompletionResult]::new('--head-start', '--head-start', [CompletionResultType]::ParameterName, 'With several --broker: how long a connection may take to be established (its handshake done) before the next broker of the list is tried as well; the first connection established gets the request, the others are closed. A request only goes to an established connection, one per attempt, so racing connections never runs it twice. "off": each attempt waits --timeout for its one connection')
            [CompletionResult]::new('--no-state', '--no-state', [CompletionResultType]::ParameterName, 'Do not remember which broker of the list answered last. By default it is kept in $XDG_RUNTIME_DIR/zmqtool (else $XDG_CACHE_HOME/zmqtool, else ~/.cache/zmqtool; the environment variable ZMQTOOL_STATE=DIR moves it, ZMQTOOL_STATE=off turns it off), one small file per broker list, and the next run tries that broker first')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log nothing but errors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zmqtool;titanic;help' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run the Titanic server: the titanic.request, titanic.reply and titanic.close services, and the dispatcher that delivers stored requests')
            [CompletionResult]::new('request', 'request', [CompletionResultType]::ParameterValue, 'Store a request for SERVICE with Titanic and print its UUID')
            [CompletionResult]::new('call', 'call', [CompletionResultType]::ParameterValue, 'Store a request, wait for its reply, close it, and print the reply')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List the requests in a store: pending and replied, with their age')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Copy a store''s pending requests and unclosed replies into another store')
            [CompletionResult]::new('reply', 'reply', [CompletionResultType]::ParameterValue, 'Print the reply to a stored request')
            [CompletionResult]::new('close', 'close', [CompletionResultType]::ParameterValue, 'Delete a stored request and its reply')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zmqtool;titanic;help;serve' {
            break
        }
        'zmqtool;titanic;help;request' {
            break
        }
        'zmqtool;titanic;help;call' {
            break
        }
        'zmqtool;titanic;help;ls' {
            break
        }
        'zmqtool;titanic;help;migrate' {
            break
        }
        'zmqtool;titanic;help;reply' {
            break
        }
        'zmqtool;titanic;help;close' {
            break
        }
        'zmqtool;titanic;help;help' {
            break
        }
        'zmqtool;help' {
            [CompletionResult]::new('broker', 'broker', [CompletionResultType]::ParameterValue, 'Run a Majordomo broker (MDP/0.1 and MDP/0.2 on one socket, with MMI)')
            [CompletionResult]::new('worker', 'worker', [CompletionResultType]::ParameterValue, 'Run a worker that serves SERVICE through a broker: echo each request, or run a shell command per request with --exec')
            [CompletionResult]::new('client', 'client', [CompletionResultType]::ParameterValue, 'Call SERVICE through a broker and print the reply, one frame per line')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Show a running broker''s statistics (from its mmi.stats service)')
            [CompletionResult]::new('top', 'top', [CompletionResultType]::ParameterValue, 'A live full-screen view of one broker (from its mmi.stats service)')
            [CompletionResult]::new('mmi', 'mmi', [CompletionResultType]::ParameterValue, 'Ask the broker about services (8/MMI)')
            [CompletionResult]::new('bstar', 'bstar', [CompletionResultType]::ParameterValue, 'Run one server of a Binary Star pair: a high-availability Majordomo broker (or echo)')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Load-test a Majordomo broker and service, with latency percentiles')
            [CompletionResult]::new('perf', 'perf', [CompletionResultType]::ParameterValue, 'Raw socket throughput and latency, as libzmq''s perf tools measure them')
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Make a CURVE keypair: print both keys in Z85, or write CZMQ certificate files')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Health checks for monitoring systems: Nagios/Icinga/Sensu plugins, Docker and Kubernetes probes, Consul scripts, Prometheus')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script, or write all of them to a directory')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write man pages, one per subcommand, into DIR (what fills man/)')
            [CompletionResult]::new('titanic', 'titanic', [CompletionResultType]::ParameterValue, 'Durable, disconnected request-reply (9/TSP): requests are stored on disk and delivered whenever their service shows up')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zmqtool;help;broker' {
            break
        }
        'zmqtool;help;worker' {
            break
        }
        'zmqtool;help;client' {
            break
        }
        'zmqtool;help;stats' {
            break
        }
        'zmqtool;help;top' {
            break
        }
        'zmqtool;help;mmi' {
            break
        }
        'zmqtool;help;bstar' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Print the state a Binary Star server publishes: primary, backup, active or passive')
            break
        }
        'zmqtool;help;bstar;status' {
            break
        }
        'zmqtool;help;bench' {
            break
        }
        'zmqtool;help;perf' {
            break
        }
        'zmqtool;help;keygen' {
            break
        }
        'zmqtool;help;check' {
            [CompletionResult]::new('broker', 'broker', [CompletionResultType]::ParameterValue, 'The broker answers MMI within --timeout: its round trip, services, workers, queued requests and heartbeat mismatches')
            [CompletionResult]::new('service', 'service', [CompletionResultType]::ParameterValue, 'SERVICE has at least --min-workers workers, its queue is at most --max-queue, and with --request a real request is answered (matching --expect) within the thresholds')
            [CompletionResult]::new('titanic', 'titanic', [CompletionResultType]::ParameterValue, 'The Titanic services have workers, and a request/reply/close round trip completes')
            [CompletionResult]::new('bstar', 'bstar', [CompletionResultType]::ParameterValue, 'Exactly one server of a Binary Star pair is active and the other passive')
            break
        }
        'zmqtool;help;check;broker' {
            break
        }
        'zmqtool;help;check;service' {
            break
        }
        'zmqtool;help;check;titanic' {
            break
        }
        'zmqtool;help;check;bstar' {
            break
        }
        'zmqtool;help;completions' {
            break
        }
        'zmqtool;help;man' {
            break
        }
        'zmqtool;help;titanic' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run the Titanic server: the titanic.request, titanic.reply and titanic.close services, and the dispatcher that delivers stored requests')
            [CompletionResult]::new('request', 'request', [CompletionResultType]::ParameterValue, 'Store a request for SERVICE with Titanic and print its UUID')
            [CompletionResult]::new('call', 'call', [CompletionResultType]::ParameterValue, 'Store a request, wait for its reply, close it, and print the reply')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List the requests in a store: pending and replied, with their age')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Copy a store''s pending requests and unclosed replies into another store')
            [CompletionResult]::new('reply', 'reply', [CompletionResultType]::ParameterValue, 'Print the reply to a stored request')
            [CompletionResult]::new('close', 'close', [CompletionResultType]::ParameterValue, 'Delete a stored request and its reply')
            break
        }
        'zmqtool;help;titanic;serve' {
            break
        }
        'zmqtool;help;titanic;request' {
            break
        }
        'zmqtool;help;titanic;call' {
            break
        }
        'zmqtool;help;titanic;ls' {
            break
        }
        'zmqtool;help;titanic;migrate' {
            break
        }
        'zmqtool;help;titanic;reply' {
            break
        }
        'zmqtool;help;titanic;close' {
            break
        }
        'zmqtool;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
