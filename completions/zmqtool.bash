_zmqtool() {
    local i cur prev opts cmd
    COMPREPLY=()
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        cur="$2"
    else
        cur="${COMP_WORDS[COMP_CWORD]}"
    fi
    prev="$3"
    cmd=""
    opts=""

    for i in "${COMP_WORDS[@]:0:COMP_CWORD}"
    do
        case "${cmd},${i}" in
            ",$1")
                cmd="zmqtool"
                ;;
            zmqtool,bench)
                cmd="zmqtool__subcmd__bench"
                ;;
            zmqtool,broker)
                cmd="zmqtool__subcmd__broker"
                ;;
            zmqtool,bstar)
                cmd="zmqtool__subcmd__bstar"
                ;;
            zmqtool,check)
                cmd="zmqtool__subcmd__check"
                ;;
            zmqtool,client)
                cmd="zmqtool__subcmd__client"
                ;;
            zmqtool,completions)
                cmd="zmqtool__subcmd__completions"
                ;;
            zmqtool,help)
                cmd="zmqtool__subcmd__help"
                ;;
            zmqtool,keygen)
                cmd="zmqtool__subcmd__keygen"
                ;;
            zmqtool,man)
                cmd="zmqtool__subcmd__man"
                ;;
            zmqtool,mmi)
                cmd="zmqtool__subcmd__mmi"
                ;;
            zmqtool,perf)
                cmd="zmqtool__subcmd__perf"
                ;;
            zmqtool,stats)
                cmd="zmqtool__subcmd__stats"
                ;;
            zmqtool,titanic)
                cmd="zmqtool__subcmd__titanic"
                ;;
            zmqtool,top)
                cmd="zmqtool__subcmd__top"
                ;;
            zmqtool,worker)
                cmd="zmqtool__subcmd__worker"
                ;;
            zmqtool__subcmd__bstar,help)
                cmd="zmqtool__subcmd__bstar__subcmd__help"
                ;;
            zmqtool__subcmd__bstar,status)
                cmd="zmqtool__subcmd__bstar__subcmd__status"
                ;;
            zmqtool__subcmd__bstar__subcmd__help,help)
                cmd="zmqtool__subcmd__bstar__subcmd__help__subcmd__help"
                ;;
            zmqtool__subcmd__bstar__subcmd__help,status)
                cmd="zmqtool__subcmd__bstar__subcmd__help__subcmd__status"
                ;;
            zmqtool__subcmd__check,broker)
                cmd="zmqtool__subcmd__check__subcmd__broker"
                ;;
            zmqtool__subcmd__check,bstar)
                cmd="zmqtool__subcmd__check__subcmd__bstar"
                ;;
            zmqtool__subcmd__check,help)
                cmd="zmqtool__subcmd__check__subcmd__help"
                ;;
            zmqtool__subcmd__check,service)
                cmd="zmqtool__subcmd__check__subcmd__service"
                ;;
            zmqtool__subcmd__check,titanic)
                cmd="zmqtool__subcmd__check__subcmd__titanic"
                ;;
            zmqtool__subcmd__check__subcmd__help,broker)
                cmd="zmqtool__subcmd__check__subcmd__help__subcmd__broker"
                ;;
            zmqtool__subcmd__check__subcmd__help,bstar)
                cmd="zmqtool__subcmd__check__subcmd__help__subcmd__bstar"
                ;;
            zmqtool__subcmd__check__subcmd__help,help)
                cmd="zmqtool__subcmd__check__subcmd__help__subcmd__help"
                ;;
            zmqtool__subcmd__check__subcmd__help,service)
                cmd="zmqtool__subcmd__check__subcmd__help__subcmd__service"
                ;;
            zmqtool__subcmd__check__subcmd__help,titanic)
                cmd="zmqtool__subcmd__check__subcmd__help__subcmd__titanic"
                ;;
            zmqtool__subcmd__help,bench)
                cmd="zmqtool__subcmd__help__subcmd__bench"
                ;;
            zmqtool__subcmd__help,broker)
                cmd="zmqtool__subcmd__help__subcmd__broker"
                ;;
            zmqtool__subcmd__help,bstar)
                cmd="zmqtool__subcmd__help__subcmd__bstar"
                ;;
            zmqtool__subcmd__help,check)
                cmd="zmqtool__subcmd__help__subcmd__check"
                ;;
            zmqtool__subcmd__help,client)
                cmd="zmqtool__subcmd__help__subcmd__client"
                ;;
            zmqtool__subcmd__help,completions)
                cmd="zmqtool__subcmd__help__subcmd__completions"
                ;;
            zmqtool__subcmd__help,help)
                cmd="zmqtool__subcmd__help__subcmd__help"
                ;;
            zmqtool__subcmd__help,keygen)
                cmd="zmqtool__subcmd__help__subcmd__keygen"
                ;;
            zmqtool__subcmd__help,man)
                cmd="zmqtool__subcmd__help__subcmd__man"
                ;;
            zmqtool__subcmd__help,mmi)
                cmd="zmqtool__subcmd__help__subcmd__mmi"
                ;;
            zmqtool__subcmd__help,perf)
                cmd="zmqtool__subcmd__help__subcmd__perf"
                ;;
            zmqtool__subcmd__help,stats)
                cmd="zmqtool__subcmd__help__subcmd__stats"
                ;;
            zmqtool__subcmd__help,titanic)
                cmd="zmqtool__subcmd__help__subcmd__titanic"
                ;;
            zmqtool__subcmd__help,top)
                cmd="zmqtool__subcmd__help__subcmd__top"
                ;;
            zmqtool__subcmd__help,worker)
                cmd="zmqtool__subcmd__help__subcmd__worker"
                ;;
            zmqtool__subcmd__help__subcmd__bstar,status)
                cmd="zmqtool__subcmd__help__subcmd__bstar__subcmd__status"
                ;;
            zmqtool__subcmd__help__subcmd__check,broker)
                cmd="zmqtool__subcmd__help__subcmd__check__subcmd__broker"
                ;;
            zmqtool__subcmd__help__subcmd__check,bstar)
                cmd="zmqtool__subcmd__help__subcmd__check__subcmd__bstar"
                ;;
            zmqtool__subcmd__help__subcmd__check,service)
                cmd="zmqtool__subcmd__help__subcmd__check__subcmd__service"
                ;;
            zmqtool__subcmd__help__subcmd__check,titanic)
                cmd="zmqtool__subcmd__help__subcmd__check__subcmd__titanic"
                ;;
            zmqtool__subcmd__help__subcmd__titanic,call)
                cmd="zmqtool__subcmd__help__subcmd__titanic__subcmd__call"
                ;;
            zmqtool__subcmd__help__subcmd__titanic,close)
                cmd="zmqtool__subcmd__help__subcmd__titanic__subcmd__close"
                ;;
            zmqtool__subcmd__help__subcmd__titanic,ls)
                cmd="zmqtool__subcmd__help__subcmd__titanic__subcmd__ls"
                ;;
            zmqtool__subcmd__help__subcmd__titanic,migrate)
                cmd="zmqtool__subcmd__help__subcmd__titanic__subcmd__migrate"
                ;;
            zmqtool__subcmd__help__subcmd__titanic,reply)
                cmd="zmqtool__subcmd__help__subcmd__titanic__subcmd__reply"
                ;;
            zmqtool__subcmd__help__subcmd__titanic,request)
                cmd="zmqtool__subcmd__help__subcmd__titanic__subcmd__request"
                ;;
            zmqtool__subcmd__help__subcmd__titanic,serve)
                cmd="zmqtool__subcmd__help__subcmd__titanic__subcmd__serve"
                ;;
            zmqtool__subcmd__titanic,call)
                cmd="zmqtool__subcmd__titanic__subcmd__call"
                ;;
            zmqtool__subcmd__titanic,close)
                cmd="zmqtool__subcmd__titanic__subcmd__close"
                ;;
            zmqtool__subcmd__titanic,help)
                cmd="zmqtool__subcmd__titanic__subcmd__help"
                ;;
            zmqtool__subcmd__titanic,ls)
                cmd="zmqtool__subcmd__titanic__subcmd__ls"
                ;;
            zmqtool__subcmd__titanic,migrate)
                cmd="zmqtool__subcmd__titanic__subcmd__migrate"
                ;;
            zmqtool__subcmd__titanic,reply)
                cmd="zmqtool__subcmd__titanic__subcmd__reply"
                ;;
            zmqtool__subcmd__titanic,request)
                cmd="zmqtool__subcmd__titanic__subcmd__request"
                ;;
            zmqtool__subcmd__titanic,serve)
                cmd="zmqtool__subcmd__titanic__subcmd__serve"
                ;;
            zmqtool__subcmd__titanic__subcmd__help,call)
                cmd="zmqtool__subcmd__titanic__subcmd__help__subcmd__call"
                ;;
            zmqtool__subcmd__titanic__subcmd__help,close)
                cmd="zmqtool__subcmd__titanic__subcmd__help__subcmd__close"
                ;;
            zmqtool__subcmd__titanic__subcmd__help,help)
                cmd="zmqtool__subcmd__titanic__subcmd__help__subcmd__help"
                ;;
            zmqtool__subcmd__titanic__subcmd__help,ls)
                cmd="zmqtool__subcmd__titanic__subcmd__help__subcmd__ls"
                ;;
            zmqtool__subcmd__titanic__subcmd__help,migrate)
                cmd="zmqtool__subcmd__titanic__subcmd__help__subcmd__migrate"
                ;;
            zmqtool__subcmd__titanic__subcmd__help,reply)
                cmd="zmqtool__subcmd__titanic__subcmd__help__subcmd__reply"
                ;;
            zmqtool__subcmd__titanic__subcmd__help,request)
                cmd="zmqtool__subcmd__titanic__subcmd__help__subcmd__request"
                ;;
            zmqtool__subcmd__titanic__subcmd__help,serve)
                cmd="zmqtool__subcmd__titanic__subcmd__help__subcmd__serve"
                ;;
            *)
                ;;
        esac
    done

    case "${cmd}" in
        zmqtool)
            opts="-v -q -h -V --verbose --quiet --json --help --version broker worker client stats top mmi bstar bench perf keygen check completions man titanic help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 1 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__bench)
            opts="-v -q -h -V --broker --spread --plain --curve-server-key --curve-secret --requests --duration --warmup --concurrency --pipeline --size --rate --workers --credit --timeout --threshold --protocol --proxy --compare --check --stamp --engine --verbose --quiet --json --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --broker)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --plain)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-server-key)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-secret)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --requests)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --duration)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --warmup)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --concurrency)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pipeline)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --size)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --rate)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --workers)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --credit)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --timeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --threshold)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --protocol)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --check)
                    COMPREPLY=($(compgen -W "echo none" -- "${cur}"))
                    return 0
                    ;;
                --engine)
                    COMPREPLY=($(compgen -W "auto direct libzmq" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__broker)
            opts="-v -q -h -V --bind --allow --plain-users --curve-secret --curve-allow --max-connections-per-ip --heartbeat --liveness --busy-timeout --service-ttl --max-queue --max-msg-size --max-frames --max-service-len --max-queue-total --max-queue-bytes --max-services --max-workers --max-credit --metrics-bind --engine --verbose --quiet --json --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --bind)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --allow)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --plain-users)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-secret)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-allow)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-connections-per-ip)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --heartbeat)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --liveness)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --busy-timeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --service-ttl)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-queue)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-msg-size)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-frames)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-service-len)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-queue-total)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-queue-bytes)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-services)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-workers)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-credit)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --metrics-bind)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --engine)
                    COMPREPLY=($(compgen -W "auto direct libzmq" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__bstar)
            opts="-v -q -h -V --primary --backup --frontend --state-bind --state-connect --peer-heartbeat --echo --on-change --allow --plain-users --curve-secret --curve-allow --max-connections-per-ip --heartbeat --liveness --busy-timeout --service-ttl --max-queue --max-msg-size --max-frames --max-service-len --max-queue-total --max-queue-bytes --max-services --max-workers --max-credit --metrics-bind --verbose --quiet --json --help --version status help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --frontend)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --state-bind)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --state-connect)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --peer-heartbeat)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --on-change)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --allow)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --plain-users)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-secret)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-allow)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-connections-per-ip)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --heartbeat)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --liveness)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --busy-timeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --service-ttl)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-queue)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-msg-size)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-frames)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-service-len)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-queue-total)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-queue-bytes)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-services)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-workers)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-credit)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --metrics-bind)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__bstar__subcmd__help)
            opts="status help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__bstar__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__bstar__subcmd__help__subcmd__status)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__bstar__subcmd__status)
            opts="-v -q -h -V --wait --curve-server-key --curve-secret --verbose --quiet --json --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --wait)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-server-key)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-secret)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__check)
            opts="-v -q -h -V --verbose --quiet --json --help --version broker service titanic bstar help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__check__subcmd__broker)
            opts="-v -q -h -V --broker --plain --curve-server-key --curve-secret --protocol --warn --crit --warn-workers --crit-workers --warn-queue --crit-queue --format --exit --timeout --verbose --quiet --json --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --broker)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --plain)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-server-key)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-secret)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --protocol)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --warn)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --crit)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --warn-workers)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --crit-workers)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --warn-queue)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --crit-queue)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "text nagios json prometheus" -- "${cur}"))
                    return 0
                    ;;
                --exit)
                    COMPREPLY=($(compgen -W "nagios probe" -- "${cur}"))
                    return 0
                    ;;
                --timeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__check__subcmd__bstar)
            opts="-v -q -h -V --curve-server-key --curve-secret --format --exit --timeout --verbose --quiet --json --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --curve-server-key)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-secret)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "text nagios json prometheus" -- "${cur}"))
                    return 0
                    ;;
                --exit)
                    COMPREPLY=($(compgen -W "nagios probe" -- "${cur}"))
                    return 0
                    ;;
                --timeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__check__subcmd__help)
            opts="broker service titanic bstar help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__check__subcmd__help__subcmd__broker)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__check__subcmd__help__subcmd__bstar)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__check__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__check__subcmd__help__subcmd__service)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__check__subcmd__help__subcmd__titanic)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__check__subcmd__service)
            opts="-v -q -h -V --broker --plain --curve-server-key --curve-secret --protocol --min-workers --max-queue --request --expect --warn --crit --warn-workers --crit-workers --warn-queue --crit-queue --format --exit --timeout --verbose --quiet --json --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --broker)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --plain)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-server-key)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-secret)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --protocol)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --min-workers)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-queue)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --request)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --expect)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --warn)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --crit)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --warn-workers)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --crit-workers)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --warn-queue)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --crit-queue)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "text nagios json prometheus" -- "${cur}"))
                    return 0
                    ;;
                --exit)
                    COMPREPLY=($(compgen -W "nagios probe" -- "${cur}"))
                    return 0
                    ;;
                --timeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__check__subcmd__titanic)
            opts="-v -q -h -V --broker --plain --curve-server-key --curve-secret --service --request --warn --crit --warn-queue --crit-queue --warn-age --crit-age --format --exit --timeout --verbose --quiet --json --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --broker)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --plain)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-server-key)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-secret)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --service)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --request)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --warn)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --crit)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --warn-queue)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --crit-queue)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --warn-age)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --crit-age)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "text nagios json prometheus" -- "${cur}"))
                    return 0
                    ;;
                --exit)
                    COMPREPLY=($(compgen -W "nagios probe" -- "${cur}"))
                    return 0
                    ;;
                --timeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__client)
            opts="-v -q -h -V --broker --plain --curve-server-key --curve-secret --timeout --retries --protocol --raw --lines --pipeline --fail-fast --spread --head-start --no-state --client-id --stamp --request-id --verbose --quiet --json --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --broker)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --plain)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-server-key)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-secret)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --timeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --retries)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --protocol)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pipeline)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --head-start)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --client-id)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --request-id)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__completions)
            opts="-v -q -h -V --dir --verbose --quiet --json --help --version bash elvish fish powershell zsh"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__help)
            opts="broker worker client stats top mmi bstar bench perf keygen check completions man titanic help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__help__subcmd__bench)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__help__subcmd__broker)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__help__subcmd__bstar)
            opts="status"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__help__subcmd__bstar__subcmd__status)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__help__subcmd__check)
            opts="broker service titanic bstar"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__help__subcmd__check__subcmd__broker)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__help__subcmd__check__subcmd__bstar)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__help__subcmd__check__subcmd__service)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__help__subcmd__check__subcmd__titanic)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__help__subcmd__client)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__help__subcmd__completions)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__help__subcmd__keygen)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__help__subcmd__man)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__help__subcmd__mmi)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__help__subcmd__perf)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__help__subcmd__stats)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__help__subcmd__titanic)
            opts="serve request call ls migrate reply close"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__help__subcmd__titanic__subcmd__call)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__help__subcmd__titanic__subcmd__close)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__help__subcmd__titanic__subcmd__ls)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__help__subcmd__titanic__subcmd__migrate)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__help__subcmd__titanic__subcmd__reply)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__help__subcmd__titanic__subcmd__request)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__help__subcmd__titanic__subcmd__serve)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__help__subcmd__top)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__help__subcmd__worker)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__keygen)
            opts="-v -q -h -V --out --verbose --quiet --json --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --out)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__man)
            opts="-v -q -h -V --verbose --quiet --json --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__mmi)
            opts="-v -q -h -V --broker --plain --curve-server-key --curve-secret --all-brokers --timeout --retries --head-start --no-state --verbose --quiet --json --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --broker)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --plain)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-server-key)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-secret)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --timeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --retries)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --head-start)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__perf)
            opts="-v -q -h -V --bind --connect --size --count --curve --curve-server-key --verbose --quiet --json --help --version thr lat"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --bind)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --connect)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --size)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --count)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-server-key)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__stats)
            opts="-v -q -h -V --broker --plain --curve-server-key --curve-secret --all-brokers --watch --timeout --retries --head-start --no-state --verbose --quiet --json --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --broker)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --plain)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-server-key)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-secret)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --watch)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --timeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --retries)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --head-start)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__titanic)
            opts="-v -q -h -V --verbose --quiet --json --help --version serve request call ls migrate reply close help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__titanic__subcmd__call)
            opts="-v -q -h -V --broker --plain --curve-server-key --curve-secret --timeout --retries --head-start --no-state --poll --wait --verbose --quiet --json --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --broker)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --plain)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-server-key)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-secret)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --timeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --retries)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --head-start)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --poll)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --wait)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__titanic__subcmd__close)
            opts="-v -q -h -V --broker --plain --curve-server-key --curve-secret --timeout --retries --head-start --no-state --verbose --quiet --json --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --broker)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --plain)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-server-key)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-secret)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --timeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --retries)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --head-start)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__titanic__subcmd__help)
            opts="serve request call ls migrate reply close help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__titanic__subcmd__help__subcmd__call)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__titanic__subcmd__help__subcmd__close)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__titanic__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__titanic__subcmd__help__subcmd__ls)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__titanic__subcmd__help__subcmd__migrate)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__titanic__subcmd__help__subcmd__reply)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__titanic__subcmd__help__subcmd__request)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__titanic__subcmd__help__subcmd__serve)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__titanic__subcmd__ls)
            opts="-v -q -h -V --store --verbose --quiet --json --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --store)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__titanic__subcmd__migrate)
            opts="-v -q -h -V --from --to --verbose --quiet --json --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --from)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --to)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__titanic__subcmd__reply)
            opts="-v -q -h -V --broker --plain --curve-server-key --curve-secret --timeout --retries --head-start --no-state --verbose --quiet --json --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --broker)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --plain)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-server-key)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-secret)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --timeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --retries)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --head-start)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__titanic__subcmd__request)
            opts="-v -q -h -V --broker --plain --curve-server-key --curve-secret --timeout --retries --head-start --no-state --lines --pipeline --verbose --quiet --json --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --broker)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --plain)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-server-key)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-secret)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --timeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --retries)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --head-start)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pipeline)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__titanic__subcmd__serve)
            opts="-v -q -h -V --broker --plain --curve-server-key --curve-secret --all-brokers --store --lease --inflight --delivery-timeout --retain --concurrency --heartbeat --reconnect --no-stamp --verbose --quiet --json --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --broker)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --plain)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-server-key)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-secret)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --store)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lease)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --inflight)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --delivery-timeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --retain)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --concurrency)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --heartbeat)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --reconnect)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__top)
            opts="-v -q -h -V --broker --plain --curve-server-key --curve-secret --interval --timeout --head-start --no-state --verbose --quiet --json --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --broker)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --plain)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-server-key)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-secret)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --interval)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --timeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --head-start)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        zmqtool__subcmd__worker)
            opts="-0 -v -q -h -V --broker --plain --curve-server-key --curve-secret --exec --filter --null --stream --exec-timeout --concurrency --credit --all-brokers --heartbeat --liveness --reconnect --protocol --dedup --dedup-window --engine --verbose --quiet --json --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --broker)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --plain)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-server-key)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --curve-secret)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --exec)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --filter)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --exec-timeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --concurrency)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --credit)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --heartbeat)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --liveness)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --reconnect)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --protocol)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --dedup)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --dedup-window)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --engine)
                    COMPREPLY=($(compgen -W "auto direct libzmq" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
    esac
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _zmqtool -o nosort -o bashdefault -o default zmqtool
else
    complete -F _zmqtool -o bashdefault -o default zmqtool
fi
