# bash completion for vpnctl(8): commands, options, and profile names
# from `vpnctl list` (on the socket given with -s, if any). Works with
# or without the bash-completion package.

# _vpnctl_profiles WHICH: the loaded profiles' names; WHICH "down" only
# those idle or failed (for connect), "up" only the others (for
# disconnect), "all" every one. vpnctl is the one being completed.
_vpnctl_profiles()
{
	local which=$1 i sock=() name state rest
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-s | --socket) sock=(-s "${COMP_WORDS[i + 1]}") ;;
		--socket=*) sock=(-s "${COMP_WORDS[i]#--socket=}") ;;
		esac
	done
	"${COMP_WORDS[0]}" "${sock[@]}" -t 2 list 2>/dev/null |
		while read -r name state rest; do
			case $state in
			idle | failed) [ "$which" = up ] && continue ;;
			connecting | established | no-tunnel | closing)
				[ "$which" = down ] && continue ;;
			*) continue ;; # the count line, files that did not load
			esac
			printf '%s\n' "$name"
		done
}

_vpnctl()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local commands="connect disconnect rekey status watch monitor list reload check"
	local options="-s --socket -t --timeout -j --json --password-stdin -h --help --version"
	local i cmd='' args=0 word

	COMPREPLY=()
	case $prev in
	-s | --socket)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0
		;;
	-t | --timeout)
		return 0
		;;
	esac
	# The command: the first word that is not an option or its value.
	for ((i = 1; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		if [ -n "$cmd" ]; then
			[[ $word == -* ]] || ((args++))
			continue
		fi
		case $word in
		-s | --socket | -t | --timeout) ((i++)) ;;
		-*) ;;
		*) cmd=$word ;;
		esac
	done
	if [ -z "$cmd" ]; then
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
		fi
		return 0
	fi
	case $cmd in
	connect)
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "--password-stdin" -- "$cur")
		elif ((args == 0)); then
			mapfile -t COMPREPLY < <(compgen -W "$(_vpnctl_profiles down)" -- "$cur")
		fi
		;;
	disconnect)
		((args == 0)) &&
			mapfile -t COMPREPLY < <(compgen -W "$(_vpnctl_profiles up)" -- "$cur")
		;;
	watch)
		((args == 0)) &&
			mapfile -t COMPREPLY < <(compgen -W "$(_vpnctl_profiles all)" -- "$cur")
		;;
	rekey)
		if ((args == 0)); then
			mapfile -t COMPREPLY < <(compgen -W "$(_vpnctl_profiles up)" -- "$cur")
		elif ((args == 1)); then
			mapfile -t COMPREPLY < <(compgen -W "child ike" -- "$cur")
		fi
		;;
	status)
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "--json" -- "$cur")
		elif ((args == 0)); then
			mapfile -t COMPREPLY < <(compgen -W "$(_vpnctl_profiles all)" -- "$cur")
		fi
		;;
	list | monitor)
		[[ $cur == -* ]] &&
			mapfile -t COMPREPLY < <(compgen -W "--json" -- "$cur")
		;;
	check)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -X '!*.yaml' -- "$cur"
					 compgen -f -X '!*.yml' -- "$cur"
					 compgen -d -- "$cur")
		;;
	esac
	return 0
}

complete -F _vpnctl vpnctl
