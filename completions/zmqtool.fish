# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_zmqtool_global_optspecs
    string join \n v/verbose q/quiet json h/help V/version
end

function __fish_zmqtool_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_zmqtool_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_zmqtool_using_subcommand
    set -l cmd (__fish_zmqtool_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c zmqtool -n "__fish_zmqtool_needs_command" -s v -l verbose -d 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
complete -c zmqtool -n "__fish_zmqtool_needs_command" -s q -l quiet -d 'Log nothing but errors'
complete -c zmqtool -n "__fish_zmqtool_needs_command" -l json -d 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
complete -c zmqtool -n "__fish_zmqtool_needs_command" -s h -l help -d 'Print help'
complete -c zmqtool -n "__fish_zmqtool_needs_command" -s V -l version -d 'Print version'
complete -c zmqtool -n "__fish_zmqtool_needs_command" -f -a "broker" -d 'Run a Majordomo broker (MDP/0.1 and MDP/0.2 on one socket, with MMI)'
complete -c zmqtool -n "__fish_zmqtool_needs_command" -f -a "worker" -d 'Run a worker that serves SERVICE through a broker: echo each request, or run a shell command per request with --exec'
complete -c zmqtool -n "__fish_zmqtool_needs_command" -f -a "client" -d 'Call SERVICE through a broker and print the reply, one frame per line'
complete -c zmqtool -n "__fish_zmqtool_needs_command" -f -a "stats" -d 'Show a running broker\'s statistics (from its mmi.stats service)'
complete -c zmqtool -n "__fish_zmqtool_needs_command" -f -a "top" -d 'A live full-screen view of one broker (from its mmi.stats service)'
complete -c zmqtool -n "__fish_zmqtool_needs_command" -f -a "mmi" -d 'Ask the broker about services (8/MMI)'
complete -c zmqtool -n "__fish_zmqtool_needs_command" -f -a "bstar" -d 'Run one server of a Binary Star pair: a high-availability Majordomo broker (or echo)'
complete -c zmqtool -n "__fish_zmqtool_needs_command" -f -a "bench" -d 'Load-test a Majordomo broker and service, with latency percentiles'
complete -c zmqtool -n "__fish_zmqtool_needs_command" -f -a "perf" -d 'Raw socket throughput and latency, as libzmq\'s perf tools measure them'
complete -c zmqtool -n "__fish_zmqtool_needs_command" -f -a "keygen" -d 'Make a CURVE keypair: print both keys in Z85, or write CZMQ certificate files'
complete -c zmqtool -n "__fish_zmqtool_needs_command" -f -a "completions" -d 'Print a shell completion script, or write all of them to a directory'
complete -c zmqtool -n "__fish_zmqtool_needs_command" -f -a "man" -d 'Write man pages, one per subcommand, into DIR (what fills man/)'
complete -c zmqtool -n "__fish_zmqtool_needs_command" -f -a "titanic" -d 'Durable, disconnected request-reply (9/TSP): requests are stored on disk and delivered whenever their service shows up'
complete -c zmqtool -n "__fish_zmqtool_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand broker" -l bind -d 'Endpoint to bind; repeat for several. Use port * for any free port (the log says which)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand broker" -l allow -d 'Accept connections only from this address range (e.g. 10.0.0.0/8, 127.0.0.1); repeat for several. Others are refused before any message is read' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand broker" -l plain-users -d 'Require the PLAIN mechanism with a user and password from FILE (user:password lines). PLAIN does not encrypt: passwords cross the network in clear text' -r -F
complete -c zmqtool -n "__fish_zmqtool_using_subcommand broker" -l curve-secret -d 'Encrypt with CURVE, as the server whose secret certificate is FILE (from `zmqtool keygen --out`, or CZMQ\'s zcert). Clients need its public key (--curve-server-key)' -r -F
complete -c zmqtool -n "__fish_zmqtool_using_subcommand broker" -l curve-allow -d 'With --curve-secret: admit only these client keys, a directory of public certificates (as CZMQ\'s zauth) or a file of Z85 keys, one a line. Without it, any client that knows the server\'s public key is admitted' -r -F
complete -c zmqtool -n "__fish_zmqtool_using_subcommand broker" -l max-connections-per-ip -d 'Refuse a connection from an address that already holds N (counted over the server\'s sockets as libzmq\'s socket monitor reports them; ipc:// peers are not counted). Unlimited by default: many clients may share one address behind NAT' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand broker" -l heartbeat -d 'Heartbeat interval, both ways; workers must use the same' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand broker" -l liveness -d 'Heartbeats a worker may miss before it is purged' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand broker" -l busy-timeout -d 'How long a worker holding a request may stay silent before it is presumed dead and its request is given to another ("off": never). It applies to workers that have not sent a heartbeat while busy, as the zguide\'s single-threaded workers cannot; a worker that has (zmqtool\'s do) is held to --liveness heartbeats, busy or not' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand broker" -l service-ttl -d 'How long a request waits for a worker of its service (counted from when it was queued), and how long a service with no workers is remembered' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand broker" -l max-queue -d 'Requests queued per service; further requests are dropped and logged' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand broker" -l max-msg-size -d 'Largest message accepted, all frames together (a peer that sends a bigger one is disconnected, and logged), and the bound on PARTIALs gathered into one reply for an MDP/0.1 client. Suffixes: K, M, G (powers of 1024)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand broker" -l max-frames -d 'Most frames in one message; longer messages are refused and logged' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand broker" -l max-service-len -d 'Longest service name in bytes (in READY and in requests)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand broker" -l max-queue-total -d 'Requests queued over all services; further requests are dropped and logged' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand broker" -l max-queue-bytes -d 'Bytes of request bodies queued over all services; further requests are dropped and logged. Suffixes: K, M, G (powers of 1024)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand broker" -l max-services -d 'Services known at once (a request for a new service beyond it is refused)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand broker" -l max-workers -d 'Workers registered at once (a READY beyond it gets DISCONNECT)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand broker" -l max-credit -d 'The most requests one worker may hold at once, whatever credit its READY announces (`worker --credit`)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand broker" -l metrics-bind -d 'Serve the statistics as Prometheus metrics on http://HOST:PORT/metrics (OpenMetrics text; a bstar server adds zmqtool_bstar_state). Off unless given; binds only there (port 0 picks one; the log says which)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand broker" -s v -l verbose -d 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand broker" -s q -l quiet -d 'Log nothing but errors'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand broker" -l json -d 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand broker" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand broker" -s V -l version -d 'Print version'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand worker" -l broker -d 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand worker" -l plain -d 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand worker" -l curve-server-key -d 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand worker" -l curve-secret -d 'With --curve-server-key: this side\'s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits' -r -F
complete -c zmqtool -n "__fish_zmqtool_using_subcommand worker" -l exec -d 'Run `sh -c CMD` for each request instead of echoing it' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand worker" -l filter -d 'Keep one `sh -c CMD` running per session, fed one request per line on stdin and answering one line per request on stdout: at the speed of a pipe. CMD must flush each line (`sed -u`, `awk` with fflush(), `python3 -u`, `jq --unbuffered`)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand worker" -l exec-timeout -d 'With --exec: kill the command after this long; with --filter: the longest a reply may take. Either way the request is answered with an error reply' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand worker" -l concurrency -d 'Without --credit: worker sessions to run, each with its own connection, so N requests are handled at once (the echo worker runs them all on one thread). With --credit: --exec or --filter jobs run at once over the one connection (an echo worker answers each request as it comes)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand worker" -l credit -d 'Hold up to N requests at once on one connection (an extension: READY carries `credit=N`, and a zmqtool broker sends that many before the first reply comes back, so the broker round trip no longer bounds a worker\'s rate). Brokers that do not know it send one at a time, as MDP says. Default 1: plain MDP' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand worker" -l heartbeat -d 'Heartbeat interval; must match the broker\'s' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand worker" -l liveness -d 'Heartbeats the broker may miss before the worker reconnects' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand worker" -l reconnect -d 'Pause before reconnecting to a broker that went silent' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand worker" -l protocol -d 'Protocol: 0.1 (7/MDP), 0.2 (18/MDP as the RFC writes it), or majortomo (MDP/0.2 as the majortomo broker speaks it: an empty frame before the header)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand worker" -l dedup -d 'Run each stamped request at most once (`client --client-id`/`--stamp`, Titanic): its stamp is recorded in STORE before the command runs and its reply before the reply is sent, so a repeat (a client\'s retry, a redelivery) gets the stored reply and runs nothing; a repeat of a request still running waits for its reply. A run that never answered (its worker was killed) is not run again: after the --exec-timeout plus 5 s, its repeats get the error reply "outcome unknown". STORE is a SQLite file (shared by the workers of one machine; `sqlite:PATH` also works) or `memory:` (this process only). READY announces `dedup`, so a zmqtool broker sends this worker the stamps' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand worker" -l dedup-window -d 'With --dedup: how long replies are kept (a repeat after that runs again)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand worker" -s 0 -l null -d 'With --exec: separate frames with NUL instead of newline, on stdin and stdout'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand worker" -l stream -d 'With --exec and --protocol 0.2: send each line of stdout as a PARTIAL as it appears; the last line is the FINAL'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand worker" -s v -l verbose -d 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand worker" -s q -l quiet -d 'Log nothing but errors'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand worker" -l json -d 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand worker" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand worker" -s V -l version -d 'Print version'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand client" -l broker -d 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand client" -l plain -d 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand client" -l curve-server-key -d 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand client" -l curve-secret -d 'With --curve-server-key: this side\'s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits' -r -F
complete -c zmqtool -n "__fish_zmqtool_using_subcommand client" -l timeout -d 'How long each attempt waits for a reply (each PARTIAL restarts the wait)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand client" -l retries -d 'Attempts in all before giving up' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand client" -l protocol -d 'Protocol: 0.1 (7/MDP), 0.2 (18/MDP, PARTIAL replies printed as they come), or majortomo (MDP/0.2 as the majortomo broker speaks it: an empty frame before the header, its own command numbers, no service frame in replies)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand client" -l pipeline -d 'With --lines: requests in flight at once' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand client" -l client-id -d 'Stamp requests with this client id (1-64 printable characters, no spaces). With --lines, each request\'s key is its line number; a single call needs --request-id. Re-running a script with the same id and input re-sends the same stamps, so what ran before is answered from the workers\' store, not run again' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand client" -l request-id -d 'The key of this one call (1-64 printable characters, no spaces: an order number, say), with --client-id, ZMQTOOL_CLIENT_ID or --stamp' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand client" -l raw -d 'Write the reply frames to stdout as they are, with nothing between them'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand client" -l lines -d 'One request per line of stdin; one reply per line of stdout, in order'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand client" -l stamp -d 'Stamp requests with a random client id, new each run (retries within the run are covered; a re-run is not). A single call\'s key is 1; with --lines, the line number'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand client" -s v -l verbose -d 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand client" -s q -l quiet -d 'Log nothing but errors'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand client" -l json -d 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand client" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand client" -s V -l version -d 'Print version'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand stats" -l broker -d 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand stats" -l plain -d 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand stats" -l curve-server-key -d 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand stats" -l curve-secret -d 'With --curve-server-key: this side\'s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits' -r -F
complete -c zmqtool -n "__fish_zmqtool_using_subcommand stats" -l watch -d 'Ask again every DUR, until interrupted' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand stats" -l timeout -d 'How long each attempt waits for a reply' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand stats" -l retries -d 'Attempts in all before giving up' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand stats" -s v -l verbose -d 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand stats" -s q -l quiet -d 'Log nothing but errors'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand stats" -l json -d 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand stats" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand stats" -s V -l version -d 'Print version'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand top" -l broker -d 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand top" -l plain -d 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand top" -l curve-server-key -d 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand top" -l curve-secret -d 'With --curve-server-key: this side\'s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits' -r -F
complete -c zmqtool -n "__fish_zmqtool_using_subcommand top" -l interval -d 'How often to ask the broker' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand top" -l timeout -d 'How long each request waits for the answer before the view says the broker is not answering' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand top" -s v -l verbose -d 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand top" -s q -l quiet -d 'Log nothing but errors'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand top" -l json -d 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand top" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand top" -s V -l version -d 'Print version'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand mmi" -l broker -d 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand mmi" -l plain -d 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand mmi" -l curve-server-key -d 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand mmi" -l curve-secret -d 'With --curve-server-key: this side\'s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits' -r -F
complete -c zmqtool -n "__fish_zmqtool_using_subcommand mmi" -l timeout -d 'How long each attempt waits for a reply' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand mmi" -l retries -d 'Attempts in all before giving up' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand mmi" -s v -l verbose -d 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand mmi" -s q -l quiet -d 'Log nothing but errors'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand mmi" -l json -d 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand mmi" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand mmi" -s V -l version -d 'Print version'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -l frontend -d 'Endpoint clients and workers connect to' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -l state-bind -d 'Endpoint this server publishes its state on' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -l state-connect -d 'The peer\'s state endpoint' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -l peer-heartbeat -d 'Interval of the state exchange; the peer is dead after two silent intervals' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -l on-change -d 'Run `sh -c CMD` on each state change, with ZMQTOOL_BSTAR_STATE (primary, backup, active, passive) and ZMQTOOL_BSTAR_PREVIOUS set' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -l allow -d 'Accept connections only from this address range (e.g. 10.0.0.0/8, 127.0.0.1); repeat for several. Others are refused before any message is read' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -l plain-users -d 'Require the PLAIN mechanism with a user and password from FILE (user:password lines). PLAIN does not encrypt: passwords cross the network in clear text' -r -F
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -l curve-secret -d 'Encrypt with CURVE, as the server whose secret certificate is FILE (from `zmqtool keygen --out`, or CZMQ\'s zcert). Clients need its public key (--curve-server-key)' -r -F
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -l curve-allow -d 'With --curve-secret: admit only these client keys, a directory of public certificates (as CZMQ\'s zauth) or a file of Z85 keys, one a line. Without it, any client that knows the server\'s public key is admitted' -r -F
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -l max-connections-per-ip -d 'Refuse a connection from an address that already holds N (counted over the server\'s sockets as libzmq\'s socket monitor reports them; ipc:// peers are not counted). Unlimited by default: many clients may share one address behind NAT' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -l heartbeat -d 'Heartbeat interval, both ways; workers must use the same' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -l liveness -d 'Heartbeats a worker may miss before it is purged' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -l busy-timeout -d 'How long a worker holding a request may stay silent before it is presumed dead and its request is given to another ("off": never). It applies to workers that have not sent a heartbeat while busy, as the zguide\'s single-threaded workers cannot; a worker that has (zmqtool\'s do) is held to --liveness heartbeats, busy or not' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -l service-ttl -d 'How long a request waits for a worker of its service (counted from when it was queued), and how long a service with no workers is remembered' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -l max-queue -d 'Requests queued per service; further requests are dropped and logged' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -l max-msg-size -d 'Largest message accepted, all frames together (a peer that sends a bigger one is disconnected, and logged), and the bound on PARTIALs gathered into one reply for an MDP/0.1 client. Suffixes: K, M, G (powers of 1024)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -l max-frames -d 'Most frames in one message; longer messages are refused and logged' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -l max-service-len -d 'Longest service name in bytes (in READY and in requests)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -l max-queue-total -d 'Requests queued over all services; further requests are dropped and logged' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -l max-queue-bytes -d 'Bytes of request bodies queued over all services; further requests are dropped and logged. Suffixes: K, M, G (powers of 1024)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -l max-services -d 'Services known at once (a request for a new service beyond it is refused)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -l max-workers -d 'Workers registered at once (a READY beyond it gets DISCONNECT)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -l max-credit -d 'The most requests one worker may hold at once, whatever credit its READY announces (`worker --credit`)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -l metrics-bind -d 'Serve the statistics as Prometheus metrics on http://HOST:PORT/metrics (OpenMetrics text; a bstar server adds zmqtool_bstar_state). Off unless given; binds only there (port 0 picks one; the log says which)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -l primary -d 'Be the primary server of the pair'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -l backup -d 'Be the backup server of the pair'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -l echo -d 'Answer every request with itself (the reference example server), instead of hosting the Majordomo broker'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -s v -l verbose -d 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -s q -l quiet -d 'Log nothing but errors'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -l json -d 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -s V -l version -d 'Print version'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -f -a "status" -d 'Print the state a Binary Star server publishes: primary, backup, active or passive'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and not __fish_seen_subcommand_from status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and __fish_seen_subcommand_from status" -l wait -d 'How long to listen' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and __fish_seen_subcommand_from status" -l curve-server-key -d 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and __fish_seen_subcommand_from status" -l curve-secret -d 'With --curve-server-key: this side\'s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits' -r -F
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Log nothing but errors'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and __fish_seen_subcommand_from status" -l json -d 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and __fish_seen_subcommand_from help" -f -a "status" -d 'Print the state a Binary Star server publishes: primary, backup, active or passive'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bstar; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bench" -l broker -d 'Broker to drive; without it, an embedded broker and echo workers are started' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bench" -l plain -d 'Authenticate with the PLAIN mechanism as USER:PASSWORD (with --broker)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bench" -l curve-server-key -d 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bench" -l curve-secret -d 'With --curve-server-key: this side\'s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits' -r -F
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bench" -l requests -d 'Stop after this many requests (after the warmup)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bench" -l duration -d 'Measure for this long (after the warmup). Default: 5s' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bench" -l warmup -d 'Run the load this long first, without recording' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bench" -l concurrency -d 'Clients, each a thread with its own connection' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bench" -l pipeline -d 'Requests in flight per client (with --rate: the most in flight per client)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bench" -l size -d 'Request body size in bytes (at least 8: each body starts with its request id; the rest is random). Suffixes: K, M' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bench" -l rate -d 'Open model: send this many requests per second in all, whatever the replies do' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bench" -l workers -d 'Echo workers of the embedded broker' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bench" -l credit -d 'Each embedded worker holds up to N requests at once (`worker --credit`); 1 is plain MDP, one round trip to the broker per request' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bench" -l timeout -d 'A request with no reply after this long counts as a timeout' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bench" -l threshold -d 'A rule the run must meet, e.g. \'p99<5ms\', \'errors==0\', \'throughput>=20000\' (metrics: p50 p90 p99 p99.9 max throughput errors timeouts); exit 7 if one is broken' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bench" -l protocol -d 'Protocol version of the clients: 0.1 or 0.2' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bench" -l check -d 'How replies are checked. echo: each must be exactly its request (an echo service). none: any well-formed reply from SERVICE counts, for services that do not echo; replies are then matched to requests in sending order, so with several workers answering out of order the latency figures are approximate (exact with --pipeline 1)' -r -f -a "echo\t'Every reply must be exactly its request'
none\t'Only the shape of the reply is checked'"
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bench" -l proxy -d 'Drive the raw baseline instead of the broker: a ROUTER-DEALER zmq_proxy with REP echo workers behind it (MDP/0.1 requests come back unchanged, a valid reply)'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bench" -l compare -d 'Run the same load against the embedded broker, then the lean MDP broker (the floor for any MDP broker on libzmq: zero-copy forwarding, routing only, the same echo workers), then the raw proxy, and report the broker\'s throughput and latency as ratios of each'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bench" -l stamp -d 'Stamp each request (a random client id for the run, the request\'s number as its key), as `client --stamp` does: against a `worker --dedup`, this measures what recording each request and its reply costs. The echo check takes the worker\'s outcome frame off'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bench" -s v -l verbose -d 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bench" -s q -l quiet -d 'Log nothing but errors'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bench" -l json -d 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bench" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand bench" -s V -l version -d 'Print version'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand perf" -l bind -d 'Run the receiving end (thr: prints the report) or the echo end (lat) on this endpoint' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand perf" -l connect -d 'Run the sending end (lat: prints the report) against this endpoint' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand perf" -l size -d 'Message size in bytes. Suffixes: K, M' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand perf" -l count -d 'Messages (thr, default 1000000) or round trips (lat, default 10000)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand perf" -l curve-server-key -d 'With --connect: encrypt with CURVE to the --bind end with this public key (Z85, as it printed it, or a certificate file)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand perf" -l curve -d 'Encrypt with CURVE, as libzmq\'s perf tools can. In one process both ends do; with --bind a keypair is made and its public key printed on stderr, for the other end\'s --curve-server-key'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand perf" -s v -l verbose -d 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand perf" -s q -l quiet -d 'Log nothing but errors'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand perf" -l json -d 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand perf" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand perf" -s V -l version -d 'Print version'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand keygen" -l out -d 'Write the certificate to PATH and the secret certificate to PATH_secret' -r -F
complete -c zmqtool -n "__fish_zmqtool_using_subcommand keygen" -s v -l verbose -d 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand keygen" -s q -l quiet -d 'Log nothing but errors'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand keygen" -l json -d 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand keygen" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand keygen" -s V -l version -d 'Print version'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand completions" -l dir -d 'Write the scripts for every shell into DIR instead (what fills completions/)' -r -F
complete -c zmqtool -n "__fish_zmqtool_using_subcommand completions" -s v -l verbose -d 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand completions" -s q -l quiet -d 'Log nothing but errors'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand completions" -l json -d 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand completions" -s h -l help -d 'Print help'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand completions" -s V -l version -d 'Print version'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand man" -s v -l verbose -d 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand man" -s q -l quiet -d 'Log nothing but errors'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand man" -l json -d 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand man" -s h -l help -d 'Print help'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand man" -s V -l version -d 'Print version'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and not __fish_seen_subcommand_from serve request call ls migrate reply close help" -s v -l verbose -d 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and not __fish_seen_subcommand_from serve request call ls migrate reply close help" -s q -l quiet -d 'Log nothing but errors'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and not __fish_seen_subcommand_from serve request call ls migrate reply close help" -l json -d 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and not __fish_seen_subcommand_from serve request call ls migrate reply close help" -s h -l help -d 'Print help'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and not __fish_seen_subcommand_from serve request call ls migrate reply close help" -s V -l version -d 'Print version'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and not __fish_seen_subcommand_from serve request call ls migrate reply close help" -f -a "serve" -d 'Run the Titanic server: the titanic.request, titanic.reply and titanic.close services, and the dispatcher that delivers stored requests'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and not __fish_seen_subcommand_from serve request call ls migrate reply close help" -f -a "request" -d 'Store a request for SERVICE with Titanic and print its UUID'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and not __fish_seen_subcommand_from serve request call ls migrate reply close help" -f -a "call" -d 'Store a request, wait for its reply, close it, and print the reply'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and not __fish_seen_subcommand_from serve request call ls migrate reply close help" -f -a "ls" -d 'List the requests in a store: pending and replied, with their age'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and not __fish_seen_subcommand_from serve request call ls migrate reply close help" -f -a "migrate" -d 'Copy a store\'s pending requests and unclosed replies into another store'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and not __fish_seen_subcommand_from serve request call ls migrate reply close help" -f -a "reply" -d 'Print the reply to a stored request'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and not __fish_seen_subcommand_from serve request call ls migrate reply close help" -f -a "close" -d 'Delete a stored request and its reply'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and not __fish_seen_subcommand_from serve request call ls migrate reply close help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from serve" -l broker -d 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from serve" -l plain -d 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from serve" -l curve-server-key -d 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from serve" -l curve-secret -d 'With --curve-server-key: this side\'s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits' -r -F
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from serve" -l store -d 'The store. A path (or sqlite:PATH): one SQLite file, created with mode 0600, used by one server. postgres://USER@HOST/DB, postgresql://..., libpq key=value pairs, or postgres: (everything from the PG* variables): a PostgreSQL database that several servers share (sslmode=disable|prefer|require|verify-ca|verify-full). memory: this process\'s memory only, much faster and not durable: requests and replies are lost when the server stops or crashes' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from serve" -l lease -d 'With a shared (PostgreSQL) store: how long this server\'s claim on a request holds without renewal (it renews every third of it). A server that dies delays its requests this long' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from serve" -l inflight -d 'Calls to services in flight at once' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from serve" -l delivery-timeout -d 'How long a stored request\'s service may take to reply before it is retried' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from serve" -l retain -d 'Delete replies nobody closed after this long (default: keep them)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from serve" -l concurrency -d 'titanic.request sessions: requests stored at once, sharing one commit' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from serve" -l heartbeat -d 'Heartbeat interval with the broker; must match the broker\'s' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from serve" -l reconnect -d 'Pause before reconnecting to a broker that went silent' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from serve" -l no-stamp -d 'Deliver requests unstamped: for a broker that does not know stamps (the zguide\'s, majortomo) in front of workers that do not either, which would see the stamp as one more frame. (A zmqtool broker gives stamps only to workers that announced `dedup`.)'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from serve" -s v -l verbose -d 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from serve" -s q -l quiet -d 'Log nothing but errors'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from serve" -l json -d 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from serve" -s V -l version -d 'Print version'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from request" -l broker -d 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from request" -l plain -d 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from request" -l curve-server-key -d 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from request" -l curve-secret -d 'With --curve-server-key: this side\'s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits' -r -F
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from request" -l timeout -d 'How long each attempt waits for the Titanic server\'s answer' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from request" -l retries -d 'Attempts in all before giving up (exit 3)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from request" -l pipeline -d 'With --lines: requests in flight at once' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from request" -l lines -d 'One request per line of stdin; one UUID per line of stdout'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from request" -s v -l verbose -d 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from request" -s q -l quiet -d 'Log nothing but errors'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from request" -l json -d 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from request" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from request" -s V -l version -d 'Print version'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from call" -l broker -d 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from call" -l plain -d 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from call" -l curve-server-key -d 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from call" -l curve-secret -d 'With --curve-server-key: this side\'s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits' -r -F
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from call" -l timeout -d 'How long each attempt waits for the Titanic server\'s answer' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from call" -l retries -d 'Attempts in all before giving up (exit 3)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from call" -l poll -d 'How often to ask for the reply' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from call" -l wait -d 'How long to wait for the reply in all' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from call" -s v -l verbose -d 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from call" -s q -l quiet -d 'Log nothing but errors'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from call" -l json -d 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from call" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from call" -s V -l version -d 'Print version'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from ls" -l store -d 'The store to read (a path, sqlite:PATH, or a PostgreSQL URL or key=value pairs)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from ls" -s v -l verbose -d 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Log nothing but errors'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from ls" -l json -d 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from ls" -s V -l version -d 'Print version'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from migrate" -l from -d 'The store to copy from' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from migrate" -l to -d 'The store to copy into (created if need be)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from migrate" -s v -l verbose -d 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from migrate" -s q -l quiet -d 'Log nothing but errors'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from migrate" -l json -d 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from migrate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from migrate" -s V -l version -d 'Print version'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from reply" -l broker -d 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from reply" -l plain -d 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from reply" -l curve-server-key -d 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from reply" -l curve-secret -d 'With --curve-server-key: this side\'s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits' -r -F
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from reply" -l timeout -d 'How long each attempt waits for the Titanic server\'s answer' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from reply" -l retries -d 'Attempts in all before giving up (exit 3)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from reply" -s v -l verbose -d 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from reply" -s q -l quiet -d 'Log nothing but errors'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from reply" -l json -d 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from reply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from reply" -s V -l version -d 'Print version'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from close" -l broker -d 'Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from close" -l plain -d 'Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with --plain-users). Prefer the environment variable: a command line is visible to others' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from close" -l curve-server-key -d 'Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its public certificate file' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from close" -l curve-secret -d 'With --curve-server-key: this side\'s own secret certificate (for a server with --curve-allow). Without it, a fresh keypair, which only an open server admits' -r -F
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from close" -l timeout -d 'How long each attempt waits for the Titanic server\'s answer' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from close" -l retries -d 'Attempts in all before giving up (exit 3)' -r
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from close" -s v -l verbose -d 'Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every frame dumped with its size, as text when printable and hex otherwise'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from close" -s q -l quiet -d 'Log nothing but errors'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from close" -l json -d 'Print results on stdout as JSON, one object per line. Frames are strings when they are valid UTF-8, else {"base64": "..."}'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from close" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from close" -s V -l version -d 'Print version'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from help" -f -a "serve" -d 'Run the Titanic server: the titanic.request, titanic.reply and titanic.close services, and the dispatcher that delivers stored requests'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from help" -f -a "request" -d 'Store a request for SERVICE with Titanic and print its UUID'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from help" -f -a "call" -d 'Store a request, wait for its reply, close it, and print the reply'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from help" -f -a "ls" -d 'List the requests in a store: pending and replied, with their age'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from help" -f -a "migrate" -d 'Copy a store\'s pending requests and unclosed replies into another store'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from help" -f -a "reply" -d 'Print the reply to a stored request'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from help" -f -a "close" -d 'Delete a stored request and its reply'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand titanic; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand help; and not __fish_seen_subcommand_from broker worker client stats top mmi bstar bench perf keygen completions man titanic help" -f -a "broker" -d 'Run a Majordomo broker (MDP/0.1 and MDP/0.2 on one socket, with MMI)'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand help; and not __fish_seen_subcommand_from broker worker client stats top mmi bstar bench perf keygen completions man titanic help" -f -a "worker" -d 'Run a worker that serves SERVICE through a broker: echo each request, or run a shell command per request with --exec'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand help; and not __fish_seen_subcommand_from broker worker client stats top mmi bstar bench perf keygen completions man titanic help" -f -a "client" -d 'Call SERVICE through a broker and print the reply, one frame per line'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand help; and not __fish_seen_subcommand_from broker worker client stats top mmi bstar bench perf keygen completions man titanic help" -f -a "stats" -d 'Show a running broker\'s statistics (from its mmi.stats service)'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand help; and not __fish_seen_subcommand_from broker worker client stats top mmi bstar bench perf keygen completions man titanic help" -f -a "top" -d 'A live full-screen view of one broker (from its mmi.stats service)'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand help; and not __fish_seen_subcommand_from broker worker client stats top mmi bstar bench perf keygen completions man titanic help" -f -a "mmi" -d 'Ask the broker about services (8/MMI)'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand help; and not __fish_seen_subcommand_from broker worker client stats top mmi bstar bench perf keygen completions man titanic help" -f -a "bstar" -d 'Run one server of a Binary Star pair: a high-availability Majordomo broker (or echo)'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand help; and not __fish_seen_subcommand_from broker worker client stats top mmi bstar bench perf keygen completions man titanic help" -f -a "bench" -d 'Load-test a Majordomo broker and service, with latency percentiles'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand help; and not __fish_seen_subcommand_from broker worker client stats top mmi bstar bench perf keygen completions man titanic help" -f -a "perf" -d 'Raw socket throughput and latency, as libzmq\'s perf tools measure them'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand help; and not __fish_seen_subcommand_from broker worker client stats top mmi bstar bench perf keygen completions man titanic help" -f -a "keygen" -d 'Make a CURVE keypair: print both keys in Z85, or write CZMQ certificate files'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand help; and not __fish_seen_subcommand_from broker worker client stats top mmi bstar bench perf keygen completions man titanic help" -f -a "completions" -d 'Print a shell completion script, or write all of them to a directory'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand help; and not __fish_seen_subcommand_from broker worker client stats top mmi bstar bench perf keygen completions man titanic help" -f -a "man" -d 'Write man pages, one per subcommand, into DIR (what fills man/)'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand help; and not __fish_seen_subcommand_from broker worker client stats top mmi bstar bench perf keygen completions man titanic help" -f -a "titanic" -d 'Durable, disconnected request-reply (9/TSP): requests are stored on disk and delivered whenever their service shows up'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand help; and not __fish_seen_subcommand_from broker worker client stats top mmi bstar bench perf keygen completions man titanic help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand help; and __fish_seen_subcommand_from bstar" -f -a "status" -d 'Print the state a Binary Star server publishes: primary, backup, active or passive'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand help; and __fish_seen_subcommand_from titanic" -f -a "serve" -d 'Run the Titanic server: the titanic.request, titanic.reply and titanic.close services, and the dispatcher that delivers stored requests'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand help; and __fish_seen_subcommand_from titanic" -f -a "request" -d 'Store a request for SERVICE with Titanic and print its UUID'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand help; and __fish_seen_subcommand_from titanic" -f -a "call" -d 'Store a request, wait for its reply, close it, and print the reply'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand help; and __fish_seen_subcommand_from titanic" -f -a "ls" -d 'List the requests in a store: pending and replied, with their age'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand help; and __fish_seen_subcommand_from titanic" -f -a "migrate" -d 'Copy a store\'s pending requests and unclosed replies into another store'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand help; and __fish_seen_subcommand_from titanic" -f -a "reply" -d 'Print the reply to a stored request'
complete -c zmqtool -n "__fish_zmqtool_using_subcommand help; and __fish_seen_subcommand_from titanic" -f -a "close" -d 'Delete a stored request and its reply'
