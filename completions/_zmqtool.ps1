
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
            [CompletionResult]::new('mmi', 'mmi', [CompletionResultType]::ParameterValue, 'Ask the broker about services (8/MMI)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script, or write all of them to a directory')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write man pages, one per subcommand, into DIR (what fills man/)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zmqtool;broker' {
            [CompletionResult]::new('--bind', '--bind', [CompletionResultType]::ParameterName, 'Endpoint to bind; repeat for several. Use port * for any free port (the log says which)')
            [CompletionResult]::new('--heartbeat', '--heartbeat', [CompletionResultType]::ParameterName, 'Heartbeat interval, both ways; workers must use the same')
            [CompletionResult]::new('--liveness', '--liveness', [CompletionResultType]::ParameterName, 'Heartbeats a worker may miss before it is purged')
            [CompletionResult]::new('--service-ttl', '--service-ttl', [CompletionResultType]::ParameterName, 'How long a service with no workers (and its queued requests) is kept')
            [CompletionResult]::new('--max-queue', '--max-queue', [CompletionResultType]::ParameterName, 'Requests queued per service; further requests are dropped and logged')
            [CompletionResult]::new('--max-msg-size', '--max-msg-size', [CompletionResultType]::ParameterName, 'Largest frame accepted (bigger ones drop the connection), and the bound on PARTIALs gathered into one reply for an MDP/0.1 client. Suffixes: K, M, G (powers of 1024)')
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
            [CompletionResult]::new('--exec', '--exec', [CompletionResultType]::ParameterName, 'Run `sh -c CMD` for each request instead of echoing it')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'With --exec: kill the command after this long and answer with an error reply')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Worker sessions to run, each with its own connection: N requests handled at once')
            [CompletionResult]::new('--heartbeat', '--heartbeat', [CompletionResultType]::ParameterName, 'Heartbeat interval; must match the broker''s')
            [CompletionResult]::new('--liveness', '--liveness', [CompletionResultType]::ParameterName, 'Heartbeats the broker may miss before the worker reconnects')
            [CompletionResult]::new('--reconnect', '--reconnect', [CompletionResultType]::ParameterName, 'Pause before reconnecting to a broker that went silent')
            [CompletionResult]::new('--protocol', '--protocol', [CompletionResultType]::ParameterName, 'Protocol version: 0.1 (7/MDP) or 0.2 (18/MDP)')
            [CompletionResult]::new('-0', '-0', [CompletionResultType]::ParameterName, 'With --exec: separate frames with NUL instead of newline, on stdin and stdout')
            [CompletionResult]::new('--null', '--null', [CompletionResultType]::ParameterName, 'With --exec: separate frames with NUL instead of newline, on stdin and stdout')
            [CompletionResult]::new('--stream', '--stream', [CompletionResultType]::ParameterName, 'With --exec and --protocol 0.2: send each line of stdout as a PARTIAL as it appears; the last line is the FINAL')
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
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each attempt waits for a reply (each PARTIAL restarts the wait)')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Attempts in all before giving up')
            [CompletionResult]::new('--protocol', '--protocol', [CompletionResultType]::ParameterName, 'Protocol version: 0.1 (7/MDP) or 0.2 (18/MDP, PARTIAL replies printed as they come)')
            [CompletionResult]::new('--pipeline', '--pipeline', [CompletionResultType]::ParameterName, 'With --lines: requests in flight at once')
            [CompletionResult]::new('--raw', '--raw', [CompletionResultType]::ParameterName, 'Write the reply frames to stdout as they are, with nothing between them')
            [CompletionResult]::new('--lines', '--lines', [CompletionResultType]::ParameterName, 'One request per line of stdin; one reply per line of stdout, in order')
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
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each attempt waits for a reply')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Attempts in all before giving up')
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
        'zmqtool;help' {
            [CompletionResult]::new('broker', 'broker', [CompletionResultType]::ParameterValue, 'Run a Majordomo broker (MDP/0.1 and MDP/0.2 on one socket, with MMI)')
            [CompletionResult]::new('worker', 'worker', [CompletionResultType]::ParameterValue, 'Run a worker that serves SERVICE through a broker: echo each request, or run a shell command per request with --exec')
            [CompletionResult]::new('client', 'client', [CompletionResultType]::ParameterValue, 'Call SERVICE through a broker and print the reply, one frame per line')
            [CompletionResult]::new('mmi', 'mmi', [CompletionResultType]::ParameterValue, 'Ask the broker about services (8/MMI)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script, or write all of them to a directory')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write man pages, one per subcommand, into DIR (what fills man/)')
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
        'zmqtool;help;mmi' {
            break
        }
        'zmqtool;help;completions' {
            break
        }
        'zmqtool;help;man' {
            break
        }
        'zmqtool;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
