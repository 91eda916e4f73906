
use builtin;
use str;

set edit:completion:arg-completer[zmqtool] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'zmqtool'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'zmqtool'= {
            cand -v 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand --verbose 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand -q 'Log nothing but errors'
            cand --quiet 'Log nothing but errors'
            cand --json 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand broker 'Run a Majordomo broker (MDP/0.1 and MDP/0.2 on one socket, with MMI)'
            cand worker 'Run a worker that serves SERVICE through a broker: echo each request, or run a shell command per request with --exec'
            cand client 'Call SERVICE through a broker and print the reply, one frame per line'
            cand stats 'Show a running broker''s statistics (from its mmi.stats service)'
            cand top 'A live full-screen view of one broker (from its mmi.stats service)'
            cand mmi 'Ask the broker about services (8/MMI)'
            cand bstar 'Run one server of a Binary Star pair: a high-availability Majordomo broker (or echo)'
            cand bench 'Load-test a Majordomo broker and service, with latency percentiles'
            cand perf 'Raw socket throughput and latency, as libzmq''s perf tools measure them'
            cand keygen 'Make a CURVE keypair: print both keys in Z85, or write CZMQ certificate files'
            cand check 'Health checks for monitoring systems: Nagios/Icinga/Sensu plugins, Docker and Kubernetes probes, Consul scripts, Prometheus'
            cand completions 'Print a shell completion script, or write all of them to a directory'
            cand man 'Write man pages, one per subcommand, into DIR (what fills man/)'
            cand titanic 'Durable, disconnected request-reply (9/TSP): requests are stored on disk and delivered whenever their service shows up'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zmqtool;broker'= {
            cand --bind 'Endpoint to bind; repeat for several. Use port * for any free port (the log says which)'
            cand --allow 'Accept connections only from this address range (e.g. 10.0.0.0/8, 127.0.0.1); repeat for several. Others are refused before any message is read'
            cand --plain-users 'Require the PLAIN mechanism with a user and password from FILE (user:password lines). PLAIN does not encrypt: passwords cross the network in clear text'
            cand --curve-secret 'Encrypt with CURVE, as the server whose secret certificate is FILE (from `zmqtool keygen --out`, or CZMQ''s zcert). Clients need its public key (--curve-server-key)'
            cand --curve-allow 'With --curve-secret: admit only these client keys, a directory of public certificates (as CZMQ''s zauth) or a file of Z85 keys, one a line. Without it, any client that knows the server''s public key is admitted'
            cand --max-connections-per-ip 'Refuse a connection from an address that already holds N (counted over the server''s sockets as libzmq''s socket monitor reports them; ipc:// peers are not counted). Unlimited by default: many clients may share one address behind NAT'
            cand --heartbeat 'Heartbeat interval, both ways; workers must use the same'
            cand --liveness 'Heartbeats a worker may miss before it is purged'
            cand --busy-timeout 'How long a worker holding a request may stay silent before it is presumed dead and its request is given to another ("off": never). It applies to workers that have not sent a heartbeat while busy, as the zguide''s single-threaded workers cannot; a worker that has (zmqtool''s do) is held to --liveness heartbeats, busy or not'
            cand --service-ttl 'How long a request waits for a worker of its service (counted from when it was queued), and how long a service with no workers is remembered'
            cand --max-queue 'Requests queued per service; further requests are dropped and logged'
            cand --max-msg-size 'Largest message accepted, all frames together (a peer that sends a bigger one is disconnected, and logged), and the bound on PARTIALs gathered into one reply for an MDP/0.1 client. Suffixes: K, M, G (powers of 1024)'
            cand --max-frames 'Most frames in one message; longer messages are refused and logged'
            cand --max-service-len 'Longest service name in bytes (in READY and in requests)'
            cand --max-queue-total 'Requests queued over all services; further requests are dropped and logged'
            cand --max-queue-bytes 'Bytes of request bodies queued over all services; further requests are dropped and logged. Suffixes: K, M, G (powers of 1024)'
            cand --max-services 'Services known at once (a request for a new service beyond it is refused)'
            cand --max-workers 'Workers registered at once (a READY beyond it gets DISCONNECT)'
            cand --max-credit 'The most requests one worker may hold at once, whatever credit its READY announces (`worker --credit`)'
            cand --metrics-bind 'Serve the statistics as Prometheus metrics on http://HOST:PORT/metrics (OpenMetrics text; a bstar server adds zmqtool_bstar_state). Off unless given; binds only there (port 0 picks one; the log says which)'
            cand --engine 'Who speaks ZMTP on the broker''s socket. direct: the broker''s own thread accepts, reads and writes its connections, with no libzmq I/O thread in between; it binds tcp://ADDRESS:PORT (ADDRESS an IP or *) and ipc://PATH with the NULL mechanism and no access checks (no --allow, --max-connections-per-ip, --plain-users, --curve-secret). libzmq: a libzmq ROUTER, for everything. auto: direct where it serves, else libzmq'
            cand -v 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand --verbose 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand -q 'Log nothing but errors'
            cand --quiet 'Log nothing but errors'
            cand --json 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zmqtool;worker'= {
            cand --broker 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn'
            cand --plain 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others'
            cand --curve-server-key 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file'
            cand --curve-secret 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits'
            cand --exec 'Run `sh -c CMD` for each request instead of echoing it'
            cand --filter 'Keep one `sh -c CMD` running per session, fed one request per line on stdin and answering one line per request on stdout: at the speed of a pipe. CMD must flush each line (`sed -u`, `awk` with fflush(), `python3 -u`, `jq --unbuffered`)'
            cand --exec-timeout 'With --exec: kill the command after this long; with --filter: the longest a reply may take. Either way the request is answered with an error reply'
            cand --concurrency 'Without --credit: worker sessions to run, each with its own connection, so N requests are handled at once (the echo worker runs them all on one thread). With --credit: --exec or --filter jobs run at once over the one connection (an echo worker answers each request as it comes). With --all-brokers: the jobs running at once across all brokers (each broker gets N sessions without --credit; a request beyond N waits in the worker, oldest first)'
            cand --credit 'Hold up to N requests at once on one connection (an extension: READY carries `credit=N`, and a zmqtool broker sends that many before the first reply comes back, so the broker round trip no longer bounds a worker''s rate). Brokers that do not know it send one at a time, as MDP says. Default 1: plain MDP. With --all-brokers the credit is per broker: each broker may send N, so the worker holds up to N per broker it is connected to, and --concurrency bounds how many of them run at once in all'
            cand --heartbeat 'Heartbeat interval; must match the broker''s'
            cand --liveness 'Heartbeats the broker may miss before the worker reconnects'
            cand --reconnect 'Pause before reconnecting to a broker that went silent'
            cand --protocol 'Protocol: 0.1 (7/MDP), 0.2 (18/MDP as the RFC writes it), or majortomo (MDP/0.2 as the majortomo broker speaks it: an empty frame before the header)'
            cand --dedup 'Run each stamped request at most once (`client --client-id`/`--stamp`, Titanic): its stamp is recorded in STORE before the command runs and its reply before the reply is sent, so a repeat (a client''s retry, a redelivery) gets the stored reply and runs nothing; a repeat of a request still running waits for its reply, holding a session (a unit of --concurrency) meanwhile. A run that never answered (its worker was killed) is not run again: after the --exec-timeout plus 5 s, its repeats get the error reply "outcome unknown". A repeat whose body differs from the first request''s (its key used again for another request) gets the error reply "key reused" and runs nothing. STORE is a SQLite file (shared by the workers of one machine; `sqlite:PATH` also works), a PostgreSQL URL (`postgres://...`, shared by workers on several machines) or `memory:` (this process only). READY announces `dedup`, so a zmqtool broker sends this worker the stamps'
            cand --dedup-window 'With --dedup: how long replies are kept (a repeat after that runs again)'
            cand --engine 'Who speaks ZMTP on the broker connections. direct: the worker''s own thread reads and writes them, with no libzmq I/O thread in between; it serves the echo worker (no --exec, --filter or --dedup) on tcp:// or ipc:// with the NULL mechanism, one broker at a time (no --all-brokers). libzmq: libzmq sockets, for everything. auto: direct where it serves, else libzmq'
            cand -0 'With --exec: separate frames with NUL instead of newline, on stdin and stdout'
            cand --null 'With --exec: separate frames with NUL instead of newline, on stdin and stdout'
            cand --stream 'With --exec and --protocol 0.2: send each line of stdout as a PARTIAL as it appears; the last line is the FINAL'
            cand --all-brokers 'Serve every broker of the --broker list at once, instead of one at a time with the others as failover: brokers run side by side and each one gets this worker. Each broker has sessions of its own, with their own heartbeats and reconnects, so a broker that dies or restarts touches only its own (the worker registers again when it comes back); the others keep being served. On SIGTERM every session finishes its requests, then sends DISCONNECT'
            cand -v 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand --verbose 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand -q 'Log nothing but errors'
            cand --quiet 'Log nothing but errors'
            cand --json 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zmqtool;client'= {
            cand --broker 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn'
            cand --plain 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others'
            cand --curve-server-key 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file'
            cand --curve-secret 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits'
            cand --timeout 'How long each attempt waits for a reply (each PARTIAL restarts the wait)'
            cand --retries 'Attempts in all before giving up'
            cand --protocol 'Protocol: 0.1 (7/MDP), 0.2 (18/MDP, PARTIAL replies printed as they come), or majortomo (MDP/0.2 as the majortomo broker speaks it: an empty frame before the header, its own command numbers, no service frame in replies)'
            cand --pipeline 'With --lines: requests in flight at once'
            cand --head-start 'With several --broker: how long a connection may take to be established (its handshake done) before the next broker of the list is tried as well; the first connection established gets the request, the others are closed. A request only goes to an established connection, one per attempt, so racing connections never runs it twice. "off": each attempt waits --timeout for its one connection'
            cand --client-id 'Stamp requests with this client id (1-64 printable characters, no spaces). With --lines, each request''s key is its line number; a single call needs --request-id. Re-running a script with the same id and input re-sends the same stamps, so what ran before is answered from the workers'' store, not run again (a line that changed meanwhile gets "key reused")'
            cand --request-id 'The key of this one call (1-64 printable characters, no spaces: an order number, say), with --client-id, ZMQTOOL_CLIENT_ID or --stamp'
            cand --raw 'Write the reply frames to stdout as they are, with nothing between them'
            cand --lines 'One request per line of stdin; one reply per line of stdout, in order'
            cand --fail-fast 'Ask the broker''s mmi.service first (one round trip, within --timeout): when no worker serves SERVICE, end at once with exit 4 and "no worker for SERVICE" instead of waiting out --timeout and --retries. Off by default, so the broker may queue a request until a worker comes. Not for brokers without MMI (majortomo''s), which never answer mmi.service'
            cand --spread 'Spread the requests over the --broker list: each to the next broker of the list, round robin (across runs too, while the broker memory is on), skipping for 30 s a broker that timed out or could not be connected to. Without it the list is a failover list: every request goes to the broker that answered last. For brokers that are each complete (not a Binary Star pair, whose passive server serves no one)'
            cand --no-state 'Do not remember which broker of the list answered last. By default it is kept in $XDG_RUNTIME_DIR/zmqtool (else $XDG_CACHE_HOME/zmqtool, else ~/.cache/zmqtool; the environment variable ZMQTOOL_STATE=DIR moves it, ZMQTOOL_STATE=off turns it off), one small file per broker list, and the next run tries that broker first'
            cand --stamp 'Stamp requests with a random client id, new each run (retries within the run are covered; a re-run is not). A single call''s key is 1; with --lines, the line number'
            cand -v 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand --verbose 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand -q 'Log nothing but errors'
            cand --quiet 'Log nothing but errors'
            cand --json 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zmqtool;stats'= {
            cand --broker 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn'
            cand --plain 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others'
            cand --curve-server-key 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file'
            cand --curve-secret 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits'
            cand --watch 'Ask again every DUR, until interrupted'
            cand --timeout 'How long each attempt waits for a reply'
            cand --retries 'Attempts in all before giving up'
            cand --head-start 'With several --broker: how long a connection may take to be established (its handshake done) before the next broker of the list is tried as well; the first connection established gets the request, the others are closed. A request only goes to an established connection, one per attempt, so racing connections never runs it twice. "off": each attempt waits --timeout for its one connection'
            cand --all-brokers 'Ask every broker of the --broker list at once and sum their figures, instead of asking the first that answers'
            cand --no-state 'Do not remember which broker of the list answered last. By default it is kept in $XDG_RUNTIME_DIR/zmqtool (else $XDG_CACHE_HOME/zmqtool, else ~/.cache/zmqtool; the environment variable ZMQTOOL_STATE=DIR moves it, ZMQTOOL_STATE=off turns it off), one small file per broker list, and the next run tries that broker first'
            cand -v 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand --verbose 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand -q 'Log nothing but errors'
            cand --quiet 'Log nothing but errors'
            cand --json 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zmqtool;top'= {
            cand --broker 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn'
            cand --plain 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others'
            cand --curve-server-key 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file'
            cand --curve-secret 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits'
            cand --interval 'How often to ask the broker'
            cand --timeout 'How long each request waits for the answer before the view says the broker is not answering'
            cand --head-start 'With several --broker: how long a connection may take to be established (its handshake done) before the next broker of the list is tried as well; the first connection established gets the request, the others are closed. A request only goes to an established connection, one per attempt, so racing connections never runs it twice. "off": each attempt waits --timeout for its one connection'
            cand --no-state 'Do not remember which broker of the list answered last. By default it is kept in $XDG_RUNTIME_DIR/zmqtool (else $XDG_CACHE_HOME/zmqtool, else ~/.cache/zmqtool; the environment variable ZMQTOOL_STATE=DIR moves it, ZMQTOOL_STATE=off turns it off), one small file per broker list, and the next run tries that broker first'
            cand -v 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand --verbose 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand -q 'Log nothing but errors'
            cand --quiet 'Log nothing but errors'
            cand --json 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zmqtool;mmi'= {
            cand --broker 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn'
            cand --plain 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others'
            cand --curve-server-key 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file'
            cand --curve-secret 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits'
            cand --timeout 'How long each attempt waits for a reply'
            cand --retries 'Attempts in all before giving up'
            cand --head-start 'With several --broker: how long a connection may take to be established (its handshake done) before the next broker of the list is tried as well; the first connection established gets the request, the others are closed. A request only goes to an established connection, one per attempt, so racing connections never runs it twice. "off": each attempt waits --timeout for its one connection'
            cand --all-brokers 'Ask every broker of the --broker list at once and merge the answers, instead of asking the first that answers'
            cand --no-state 'Do not remember which broker of the list answered last. By default it is kept in $XDG_RUNTIME_DIR/zmqtool (else $XDG_CACHE_HOME/zmqtool, else ~/.cache/zmqtool; the environment variable ZMQTOOL_STATE=DIR moves it, ZMQTOOL_STATE=off turns it off), one small file per broker list, and the next run tries that broker first'
            cand -v 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand --verbose 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand -q 'Log nothing but errors'
            cand --quiet 'Log nothing but errors'
            cand --json 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zmqtool;bstar'= {
            cand --frontend 'Endpoint clients and workers connect to'
            cand --state-bind 'Endpoint this server publishes its state on'
            cand --state-connect 'The peer''s state endpoint'
            cand --peer-heartbeat 'Interval of the state exchange; the peer is dead after two silent intervals'
            cand --on-change 'Run `sh -c CMD` on each state change, with ZMQTOOL_BSTAR_STATE (primary, backup, active, passive) and ZMQTOOL_BSTAR_PREVIOUS set'
            cand --allow 'Accept connections only from this address range (e.g. 10.0.0.0/8, 127.0.0.1); repeat for several. Others are refused before any message is read'
            cand --plain-users 'Require the PLAIN mechanism with a user and password from FILE (user:password lines). PLAIN does not encrypt: passwords cross the network in clear text'
            cand --curve-secret 'Encrypt with CURVE, as the server whose secret certificate is FILE (from `zmqtool keygen --out`, or CZMQ''s zcert). Clients need its public key (--curve-server-key)'
            cand --curve-allow 'With --curve-secret: admit only these client keys, a directory of public certificates (as CZMQ''s zauth) or a file of Z85 keys, one a line. Without it, any client that knows the server''s public key is admitted'
            cand --max-connections-per-ip 'Refuse a connection from an address that already holds N (counted over the server''s sockets as libzmq''s socket monitor reports them; ipc:// peers are not counted). Unlimited by default: many clients may share one address behind NAT'
            cand --heartbeat 'Heartbeat interval, both ways; workers must use the same'
            cand --liveness 'Heartbeats a worker may miss before it is purged'
            cand --busy-timeout 'How long a worker holding a request may stay silent before it is presumed dead and its request is given to another ("off": never). It applies to workers that have not sent a heartbeat while busy, as the zguide''s single-threaded workers cannot; a worker that has (zmqtool''s do) is held to --liveness heartbeats, busy or not'
            cand --service-ttl 'How long a request waits for a worker of its service (counted from when it was queued), and how long a service with no workers is remembered'
            cand --max-queue 'Requests queued per service; further requests are dropped and logged'
            cand --max-msg-size 'Largest message accepted, all frames together (a peer that sends a bigger one is disconnected, and logged), and the bound on PARTIALs gathered into one reply for an MDP/0.1 client. Suffixes: K, M, G (powers of 1024)'
            cand --max-frames 'Most frames in one message; longer messages are refused and logged'
            cand --max-service-len 'Longest service name in bytes (in READY and in requests)'
            cand --max-queue-total 'Requests queued over all services; further requests are dropped and logged'
            cand --max-queue-bytes 'Bytes of request bodies queued over all services; further requests are dropped and logged. Suffixes: K, M, G (powers of 1024)'
            cand --max-services 'Services known at once (a request for a new service beyond it is refused)'
            cand --max-workers 'Workers registered at once (a READY beyond it gets DISCONNECT)'
            cand --max-credit 'The most requests one worker may hold at once, whatever credit its READY announces (`worker --credit`)'
            cand --metrics-bind 'Serve the statistics as Prometheus metrics on http://HOST:PORT/metrics (OpenMetrics text; a bstar server adds zmqtool_bstar_state). Off unless given; binds only there (port 0 picks one; the log says which)'
            cand --primary 'Be the primary server of the pair'
            cand --backup 'Be the backup server of the pair'
            cand --echo 'Answer every request with itself (the reference example server), instead of hosting the Majordomo broker'
            cand -v 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand --verbose 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand -q 'Log nothing but errors'
            cand --quiet 'Log nothing but errors'
            cand --json 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand status 'Print the state a Binary Star server publishes: primary, backup, active or passive'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zmqtool;bstar;status'= {
            cand --wait 'How long to listen'
            cand --curve-server-key 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file'
            cand --curve-secret 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits'
            cand -v 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand --verbose 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand -q 'Log nothing but errors'
            cand --quiet 'Log nothing but errors'
            cand --json 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zmqtool;bstar;help'= {
            cand status 'Print the state a Binary Star server publishes: primary, backup, active or passive'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zmqtool;bstar;help;status'= {
        }
        &'zmqtool;bstar;help;help'= {
        }
        &'zmqtool;bench'= {
            cand --broker 'Broker to drive; without it, an embedded broker and echo workers are started. Several (repeated or comma-separated) need --spread'
            cand --plain 'Authenticate with the PLAIN mechanism as USER:PASSWORD (with --broker)'
            cand --curve-server-key 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file'
            cand --curve-secret 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits'
            cand --requests 'Stop after this many requests (after the warmup)'
            cand --duration 'Measure for this long (after the warmup). Default: 5s'
            cand --warmup 'Run the load this long first, without recording'
            cand --concurrency 'Clients, each with its own connection (all driven from one thread). At most 1000: libzmq opens at most 1,023 sockets in one context, and every client is one'
            cand --pipeline 'Requests in flight per client (with --rate: the most in flight per client)'
            cand --size 'Request body size in bytes (at least 8: each body starts with its request id; the rest is random). Suffixes: K, M'
            cand --rate 'Open model: send this many requests per second in all, whatever the replies do'
            cand --workers 'Echo workers of the embedded broker'
            cand --credit 'Each embedded worker holds up to N requests at once (`worker --credit`); 1 is plain MDP, one round trip to the broker per request'
            cand --timeout 'A request with no reply after this long counts as a timeout'
            cand --threshold 'A rule the run must meet, e.g. ''p99<5ms'', ''errors==0'', ''throughput>=20000'' (metrics: p50 p90 p99 p99.9 max throughput errors timeouts); exit 7 if one is broken'
            cand --protocol 'Protocol version of the clients: 0.1 or 0.2'
            cand --check 'How replies are checked. echo: each must be exactly its request (an echo service). none: any well-formed reply from SERVICE counts, for services that do not echo; replies are then matched to requests in sending order, so with several workers answering out of order the latency figures are approximate (exact with --pipeline 1)'
            cand --engine 'Who speaks ZMTP for the clients. direct: the clients'' own thread reads and writes their TCP or IPC connections (NULL mechanism only), so the load generator costs less than what it measures. libzmq: libzmq DEALER sockets, each message handed to libzmq''s I/O thread and back. auto: direct unless --curve or --plain is given'
            cand --spread 'With several --broker: drive them all at once, the clients (--concurrency, at least one per broker) shared out over the list in turn; the report gives the total and each broker''s share (--json: "brokers", one object per broker). For brokers side by side, each with its own workers, not a Binary Star pair (its passive server answers nothing)'
            cand --proxy 'Drive the raw baseline instead of the broker: a ROUTER-DEALER zmq_proxy with REP echo workers behind it (MDP/0.1 requests come back unchanged, a valid reply)'
            cand --compare 'Run the same load against the embedded broker, then the lean MDP broker (the floor for any MDP broker on libzmq: zero-copy forwarding, routing only, the same echo workers), then the raw proxy, and report the broker''s throughput and latency as ratios of each'
            cand --stamp 'Stamp each request (a random client id for the run, the request''s number as its key), as `client --stamp` does: against a `worker --dedup`, this measures what recording each request and its reply costs. The echo check takes the worker''s outcome frame off'
            cand -v 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand --verbose 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand -q 'Log nothing but errors'
            cand --quiet 'Log nothing but errors'
            cand --json 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zmqtool;perf'= {
            cand --bind 'Run the receiving end (thr: prints the report) or the echo end (lat) on this endpoint'
            cand --connect 'Run the sending end (lat: prints the report) against this endpoint'
            cand --size 'Message size in bytes. Suffixes: K, M'
            cand --count 'Messages (thr, default 1000000) or round trips (lat, default 10000)'
            cand --curve-server-key 'With --connect: encrypt with CURVE to the --bind end with this public key (Z85, as it printed it, or a certificate file)'
            cand --curve 'Encrypt with CURVE, as libzmq''s perf tools can. In one process both ends do; with --bind a keypair is made and its public key printed on stderr, for the other end''s --curve-server-key'
            cand -v 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand --verbose 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand -q 'Log nothing but errors'
            cand --quiet 'Log nothing but errors'
            cand --json 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zmqtool;keygen'= {
            cand --out 'Write the certificate to PATH and the secret certificate to PATH_secret'
            cand -v 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand --verbose 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand -q 'Log nothing but errors'
            cand --quiet 'Log nothing but errors'
            cand --json 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zmqtool;check'= {
            cand -v 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand --verbose 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand -q 'Log nothing but errors'
            cand --quiet 'Log nothing but errors'
            cand --json 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand broker 'The broker answers MMI within --timeout: its round trip, services, workers, queued requests and heartbeat mismatches'
            cand service 'SERVICE has at least --min-workers workers, its queue is at most --max-queue, and with --request a real request is answered (matching --expect) within the thresholds'
            cand titanic 'The Titanic services have workers, and a request/reply/close round trip completes'
            cand bstar 'Exactly one server of a Binary Star pair is active and the other passive'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zmqtool;check;broker'= {
            cand --broker 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn'
            cand --plain 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others'
            cand --curve-server-key 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file'
            cand --curve-secret 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits'
            cand --protocol 'Protocol of the questions: 0.1, 0.2 or majortomo'
            cand --warn 'WARNING when the round trip is out of this range of durations (e.g. 250ms)'
            cand --crit 'CRITICAL when the round trip is out of this range of durations (e.g. 1s)'
            cand --warn-workers 'WARNING when the number of workers is out of this range (e.g. 2: for fewer than 2)'
            cand --crit-workers 'CRITICAL when the number of workers is out of this range (e.g. 1:)'
            cand --warn-queue 'WARNING when the number of queued requests is out of this range (e.g. 100)'
            cand --crit-queue 'CRITICAL when the number of queued requests is out of this range (e.g. 1000)'
            cand --format 'Output: text (a short summary), nagios (`KIND STATUS: text | perfdata`), json (one object: status, checks, metrics and thresholds; the same as --json), prometheus (text exposition: zmqtool_check_up, zmqtool_check_status, probe_success, probe_duration_seconds, and zmqtool_check_NAME per metric)'
            cand --exit 'Exit codes: nagios (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN) or probe (0 healthy: OK or WARNING; 1 otherwise)'
            cand --timeout 'The longest the whole check may take; what has not answered by then is CRITICAL'
            cand -v 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand --verbose 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand -q 'Log nothing but errors'
            cand --quiet 'Log nothing but errors'
            cand --json 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zmqtool;check;service'= {
            cand --broker 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn'
            cand --plain 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others'
            cand --curve-server-key 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file'
            cand --curve-secret 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits'
            cand --protocol 'Protocol of the questions and the request: 0.1, 0.2 or majortomo'
            cand --min-workers 'CRITICAL with fewer workers than this (the same as --crit-workers N:)'
            cand --max-queue 'CRITICAL when more than N requests wait (the same as --crit-queue N)'
            cand --request 'Send a real request to the service, one frame per value (the frames end at the next option), and time its reply'
            cand --expect 'With --request: CRITICAL unless the reply (its frames joined by newlines, as text) matches this regular expression'
            cand --warn 'WARNING when the round trip is out of this range of durations (e.g. 250ms)'
            cand --crit 'CRITICAL when the round trip is out of this range of durations (e.g. 1s)'
            cand --warn-workers 'WARNING when the number of workers is out of this range (e.g. 2: for fewer than 2)'
            cand --crit-workers 'CRITICAL when the number of workers is out of this range (e.g. 1:)'
            cand --warn-queue 'WARNING when the number of queued requests is out of this range (e.g. 100)'
            cand --crit-queue 'CRITICAL when the number of queued requests is out of this range (e.g. 1000)'
            cand --format 'Output: text (a short summary), nagios (`KIND STATUS: text | perfdata`), json (one object: status, checks, metrics and thresholds; the same as --json), prometheus (text exposition: zmqtool_check_up, zmqtool_check_status, probe_success, probe_duration_seconds, and zmqtool_check_NAME per metric)'
            cand --exit 'Exit codes: nagios (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN) or probe (0 healthy: OK or WARNING; 1 otherwise)'
            cand --timeout 'The longest the whole check may take; what has not answered by then is CRITICAL'
            cand -v 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand --verbose 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand -q 'Log nothing but errors'
            cand --quiet 'Log nothing but errors'
            cand --json 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zmqtool;check;titanic'= {
            cand --broker 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn'
            cand --plain 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others'
            cand --curve-server-key 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file'
            cand --curve-secret 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits'
            cand --service 'Send the round trip''s request to this service (it must answer)'
            cand --request 'With --service: the request''s frames (default: one frame, "zmqtool check")'
            cand --warn 'WARNING when the round trip is out of this range of durations (e.g. 250ms)'
            cand --crit 'CRITICAL when the round trip is out of this range of durations (e.g. 1s)'
            cand --warn-queue 'WARNING when the number of queued requests is out of this range (e.g. 100)'
            cand --crit-queue 'CRITICAL when the number of queued requests is out of this range (e.g. 1000)'
            cand --warn-age 'WARNING when the oldest pending request''s age is out of this range (e.g. 10m)'
            cand --crit-age 'CRITICAL when the oldest pending request''s age is out of this range (e.g. 1h)'
            cand --format 'Output: text (a short summary), nagios (`KIND STATUS: text | perfdata`), json (one object: status, checks, metrics and thresholds; the same as --json), prometheus (text exposition: zmqtool_check_up, zmqtool_check_status, probe_success, probe_duration_seconds, and zmqtool_check_NAME per metric)'
            cand --exit 'Exit codes: nagios (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN) or probe (0 healthy: OK or WARNING; 1 otherwise)'
            cand --timeout 'The longest the whole check may take; what has not answered by then is CRITICAL'
            cand -v 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand --verbose 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand -q 'Log nothing but errors'
            cand --quiet 'Log nothing but errors'
            cand --json 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zmqtool;check;bstar'= {
            cand --curve-server-key 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file'
            cand --curve-secret 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits'
            cand --format 'Output: text (a short summary), nagios (`KIND STATUS: text | perfdata`), json (one object: status, checks, metrics and thresholds; the same as --json), prometheus (text exposition: zmqtool_check_up, zmqtool_check_status, probe_success, probe_duration_seconds, and zmqtool_check_NAME per metric)'
            cand --exit 'Exit codes: nagios (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN) or probe (0 healthy: OK or WARNING; 1 otherwise)'
            cand --timeout 'The longest the whole check may take; what has not answered by then is CRITICAL'
            cand -v 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand --verbose 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand -q 'Log nothing but errors'
            cand --quiet 'Log nothing but errors'
            cand --json 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zmqtool;check;help'= {
            cand broker 'The broker answers MMI within --timeout: its round trip, services, workers, queued requests and heartbeat mismatches'
            cand service 'SERVICE has at least --min-workers workers, its queue is at most --max-queue, and with --request a real request is answered (matching --expect) within the thresholds'
            cand titanic 'The Titanic services have workers, and a request/reply/close round trip completes'
            cand bstar 'Exactly one server of a Binary Star pair is active and the other passive'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zmqtool;check;help;broker'= {
        }
        &'zmqtool;check;help;service'= {
        }
        &'zmqtool;check;help;titanic'= {
        }
        &'zmqtool;check;help;bstar'= {
        }
        &'zmqtool;check;help;help'= {
        }
        &'zmqtool;completions'= {
            cand --dir 'Write the scripts for every shell into DIR instead (what fills completions/)'
            cand -v 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand --verbose 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand -q 'Log nothing but errors'
            cand --quiet 'Log nothing but errors'
            cand --json 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zmqtool;man'= {
            cand -v 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand --verbose 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand -q 'Log nothing but errors'
            cand --quiet 'Log nothing but errors'
            cand --json 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zmqtool;titanic'= {
            cand -v 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand --verbose 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand -q 'Log nothing but errors'
            cand --quiet 'Log nothing but errors'
            cand --json 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand serve 'Run the Titanic server: the titanic.request, titanic.reply and titanic.close services, and the dispatcher that delivers stored requests'
            cand request 'Store a request for SERVICE with Titanic and print its UUID'
            cand call 'Store a request, wait for its reply, close it, and print the reply'
            cand ls 'List the requests in a store: pending and replied, with their age'
            cand migrate 'Copy a store''s pending requests and unclosed replies into another store'
            cand reply 'Print the reply to a stored request'
            cand close 'Delete a stored request and its reply'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zmqtool;titanic;serve'= {
            cand --broker 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn'
            cand --plain 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others'
            cand --curve-server-key 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file'
            cand --curve-secret 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits'
            cand --store 'The store. A path (or sqlite:PATH): one SQLite file, created with mode 0600, used by one server. postgres://USER@HOST/DB, postgresql://..., libpq key=value pairs, or postgres: (everything from the PG* variables): a PostgreSQL database that several servers share (sslmode=disable|prefer|require|verify-ca|verify-full). memory: this process''s memory only, much faster and not durable: requests and replies are lost when the server stops or crashes'
            cand --lease 'With a shared (PostgreSQL) store: how long this server''s claim on a request holds without renewal (it renews every third of it). A server that dies delays its requests this long'
            cand --inflight 'Calls to services in flight at once'
            cand --delivery-timeout 'How long a stored request''s service may take to reply before it is retried'
            cand --retain 'Delete replies nobody closed after this long (default: keep them)'
            cand --concurrency 'titanic.request sessions: requests stored at once, sharing one commit'
            cand --heartbeat 'Heartbeat interval with the broker; must match the broker''s'
            cand --reconnect 'Pause before reconnecting to a broker that went silent'
            cand --all-brokers 'Register the services with every broker of the --broker list at once (each broker with sessions of its own), instead of one at a time with the others as failover: clients of any broker then reach this server'
            cand --no-stamp 'Deliver requests unstamped: for a broker that does not know stamps (the zguide''s, majortomo) in front of workers that do not either, which would see the stamp as one more frame. (A zmqtool broker gives stamps only to workers that announced `dedup`.)'
            cand -v 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand --verbose 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand -q 'Log nothing but errors'
            cand --quiet 'Log nothing but errors'
            cand --json 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zmqtool;titanic;request'= {
            cand --broker 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn'
            cand --plain 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others'
            cand --curve-server-key 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file'
            cand --curve-secret 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits'
            cand --timeout 'How long each attempt waits for the Titanic server''s answer'
            cand --retries 'Attempts in all before giving up (exit 3)'
            cand --head-start 'With several --broker: how long a connection may take to be established (its handshake done) before the next broker of the list is tried as well; the first connection established gets the request, the others are closed. A request only goes to an established connection, one per attempt, so racing connections never runs it twice. "off": each attempt waits --timeout for its one connection'
            cand --pipeline 'With --lines: requests in flight at once'
            cand --no-state 'Do not remember which broker of the list answered last. By default it is kept in $XDG_RUNTIME_DIR/zmqtool (else $XDG_CACHE_HOME/zmqtool, else ~/.cache/zmqtool; the environment variable ZMQTOOL_STATE=DIR moves it, ZMQTOOL_STATE=off turns it off), one small file per broker list, and the next run tries that broker first'
            cand --lines 'One request per line of stdin; one UUID per line of stdout'
            cand -v 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand --verbose 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand -q 'Log nothing but errors'
            cand --quiet 'Log nothing but errors'
            cand --json 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zmqtool;titanic;call'= {
            cand --broker 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn'
            cand --plain 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others'
            cand --curve-server-key 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file'
            cand --curve-secret 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits'
            cand --timeout 'How long each attempt waits for the Titanic server''s answer'
            cand --retries 'Attempts in all before giving up (exit 3)'
            cand --head-start 'With several --broker: how long a connection may take to be established (its handshake done) before the next broker of the list is tried as well; the first connection established gets the request, the others are closed. A request only goes to an established connection, one per attempt, so racing connections never runs it twice. "off": each attempt waits --timeout for its one connection'
            cand --poll 'How often to ask for the reply'
            cand --wait 'How long to wait for the reply in all'
            cand --no-state 'Do not remember which broker of the list answered last. By default it is kept in $XDG_RUNTIME_DIR/zmqtool (else $XDG_CACHE_HOME/zmqtool, else ~/.cache/zmqtool; the environment variable ZMQTOOL_STATE=DIR moves it, ZMQTOOL_STATE=off turns it off), one small file per broker list, and the next run tries that broker first'
            cand -v 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand --verbose 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand -q 'Log nothing but errors'
            cand --quiet 'Log nothing but errors'
            cand --json 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zmqtool;titanic;ls'= {
            cand --store 'The store to read (a path, sqlite:PATH, or a PostgreSQL URL or key=value pairs)'
            cand -v 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand --verbose 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand -q 'Log nothing but errors'
            cand --quiet 'Log nothing but errors'
            cand --json 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zmqtool;titanic;migrate'= {
            cand --from 'The store to copy from'
            cand --to 'The store to copy into (created if need be)'
            cand -v 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand --verbose 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand -q 'Log nothing but errors'
            cand --quiet 'Log nothing but errors'
            cand --json 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zmqtool;titanic;reply'= {
            cand --broker 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn'
            cand --plain 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others'
            cand --curve-server-key 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file'
            cand --curve-secret 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits'
            cand --timeout 'How long each attempt waits for the Titanic server''s answer'
            cand --retries 'Attempts in all before giving up (exit 3)'
            cand --head-start 'With several --broker: how long a connection may take to be established (its handshake done) before the next broker of the list is tried as well; the first connection established gets the request, the others are closed. A request only goes to an established connection, one per attempt, so racing connections never runs it twice. "off": each attempt waits --timeout for its one connection'
            cand --no-state 'Do not remember which broker of the list answered last. By default it is kept in $XDG_RUNTIME_DIR/zmqtool (else $XDG_CACHE_HOME/zmqtool, else ~/.cache/zmqtool; the environment variable ZMQTOOL_STATE=DIR moves it, ZMQTOOL_STATE=off turns it off), one small file per broker list, and the next run tries that broker first'
            cand -v 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand --verbose 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand -q 'Log nothing but errors'
            cand --quiet 'Log nothing but errors'
            cand --json 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zmqtool;titanic;close'= {
            cand --broker 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn'
            cand --plain 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others'
            cand --curve-server-key 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file'
            cand --curve-secret 'With --curve-server-key: this side''s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits'
            cand --timeout 'How long each attempt waits for the Titanic server''s answer'
            cand --retries 'Attempts in all before giving up (exit 3)'
            cand --head-start 'With several --broker: how long a connection may take to be established (its handshake done) before the next broker of the list is tried as well; the first connection established gets the request, the others are closed. A request only goes to an established connection, one per attempt, so racing connections never runs it twice. "off": each attempt waits --timeout for its one connection'
            cand --no-state 'Do not remember which broker of the list answered last. By default it is kept in $XDG_RUNTIME_DIR/zmqtool (else $XDG_CACHE_HOME/zmqtool, else ~/.cache/zmqtool; the environment variable ZMQTOOL_STATE=DIR moves it, ZMQTOOL_STATE=off turns it off), one small file per broker list, and the next run tries that broker first'
            cand -v 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand --verbose 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
            cand -q 'Log nothing but errors'
            cand --quiet 'Log nothing but errors'
            cand --json 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zmqtool;titanic;help'= {
            cand serve 'Run the Titanic server: the titanic.request, titanic.reply and titanic.close services, and the dispatcher that delivers stored requests'
            cand request 'Store a request for SERVICE with Titanic and print its UUID'
            cand call 'Store a request, wait for its reply, close it, and print the reply'
            cand ls 'List the requests in a store: pending and replied, with their age'
            cand migrate 'Copy a store''s pending requests and unclosed replies into another store'
            cand reply 'Print the reply to a stored request'
            cand close 'Delete a stored request and its reply'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zmqtool;titanic;help;serve'= {
        }
        &'zmqtool;titanic;help;request'= {
        }
        &'zmqtool;titanic;help;call'= {
        }
        &'zmqtool;titanic;help;ls'= {
        }
        &'zmqtool;titanic;help;migrate'= {
        }
        &'zmqtool;titanic;help;reply'= {
        }
        &'zmqtool;titanic;help;close'= {
        }
        &'zmqtool;titanic;help;help'= {
        }
        &'zmqtool;help'= {
            cand broker 'Run a Majordomo broker (MDP/0.1 and MDP/0.2 on one socket, with MMI)'
            cand worker 'Run a worker that serves SERVICE through a broker: echo each request, or run a shell command per request with --exec'
            cand client 'Call SERVICE through a broker and print the reply, one frame per line'
            cand stats 'Show a running broker''s statistics (from its mmi.stats service)'
            cand top 'A live full-screen view of one broker (from its mmi.stats service)'
            cand mmi 'Ask the broker about services (8/MMI)'
            cand bstar 'Run one server of a Binary Star pair: a high-availability Majordomo broker (or echo)'
            cand bench 'Load-test a Majordomo broker and service, with latency percentiles'
            cand perf 'Raw socket throughput and latency, as libzmq''s perf tools measure them'
            cand keygen 'Make a CURVE keypair: print both keys in Z85, or write CZMQ certificate files'
            cand check 'Health checks for monitoring systems: Nagios/Icinga/Sensu plugins, Docker and Kubernetes probes, Consul scripts, Prometheus'
            cand completions 'Print a shell completion script, or write all of them to a directory'
            cand man 'Write man pages, one per subcommand, into DIR (what fills man/)'
            cand titanic 'Durable, disconnected request-reply (9/TSP): requests are stored on disk and delivered whenever their service shows up'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zmqtool;help;broker'= {
        }
        &'zmqtool;help;worker'= {
        }
        &'zmqtool;help;client'= {
        }
        &'zmqtool;help;stats'= {
        }
        &'zmqtool;help;top'= {
        }
        &'zmqtool;help;mmi'= {
        }
        &'zmqtool;help;bstar'= {
            cand status 'Print the state a Binary Star server publishes: primary, backup, active or passive'
        }
        &'zmqtool;help;bstar;status'= {
        }
        &'zmqtool;help;bench'= {
        }
        &'zmqtool;help;perf'= {
        }
        &'zmqtool;help;keygen'= {
        }
        &'zmqtool;help;check'= {
            cand broker 'The broker answers MMI within --timeout: its round trip, services, workers, queued requests and heartbeat mismatches'
            cand service 'SERVICE has at least --min-workers workers, its queue is at most --max-queue, and with --request a real request is answered (matching --expect) within the thresholds'
            cand titanic 'The Titanic services have workers, and a request/reply/close round trip completes'
            cand bstar 'Exactly one server of a Binary Star pair is active and the other passive'
        }
        &'zmqtool;help;check;broker'= {
        }
        &'zmqtool;help;check;service'= {
        }
        &'zmqtool;help;check;titanic'= {
        }
        &'zmqtool;help;check;bstar'= {
        }
        &'zmqtool;help;completions'= {
        }
        &'zmqtool;help;man'= {
        }
        &'zmqtool;help;titanic'= {
            cand serve 'Run the Titanic server: the titanic.request, titanic.reply and titanic.close services, and the dispatcher that delivers stored requests'
            cand request 'Store a request for SERVICE with Titanic and print its UUID'
            cand call 'Store a request, wait for its reply, close it, and print the reply'
            cand ls 'List the requests in a store: pending and replied, with their age'
            cand migrate 'Copy a store''s pending requests and unclosed replies into another store'
            cand reply 'Print the reply to a stored request'
            cand close 'Delete a stored request and its reply'
        }
        &'zmqtool;help;titanic;serve'= {
        }
        &'zmqtool;help;titanic;request'= {
        }
        &'zmqtool;help;titanic;call'= {
        }
        &'zmqtool;help;titanic;ls'= {
        }
        &'zmqtool;help;titanic;migrate'= {
        }
        &'zmqtool;help;titanic;reply'= {
        }
        &'zmqtool;help;titanic;close'= {
        }
        &'zmqtool;help;help'= {
        }
    ]
    $completions[$command]
}
