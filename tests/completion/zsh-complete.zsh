#!/bin/zsh -f
# zsh-complete.zsh DIR LINE: the matches zsh's completion system offers
# for LINE (completing its end), one per line, with the completion
# function from DIR (_vpnctl). A zsh in a pseudo-terminal (zpty) runs
# compinit and is sent LINE and a TAB; compadd is wrapped to print
# every match between markers, as zsh-users' capture scripts do.
zmodload zsh/zpty || exit 2
zmodload zsh/zselect || exit 2
dir=$1 line=$2
out=

# read_until PATTERN: appends the terminal's output to out until it
# matches; a guard of 20 s against a hang (exit 4), not a measurement.
read_until() {
	local chunk i
	for ((i = 0; i < 400; i++)); do
		[[ $out == $~1 ]] && return 0
		if zpty -t z; then
			zpty -r z chunk && out+=$chunk
		else
			zselect -t 5
		fi
	done
	print -u2 "no '$1' from the completion shell; it wrote: $out"
	exit 4
}

zpty z zsh -f -i
zpty -w z "PS1='' PROMPT='' RPROMPT=''; unsetopt zle_bracketed_paste 2>/dev/null"
zpty -w z "fpath=(${(q)dir} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z "zstyle ':completion:*' list-grouped false; zstyle ':completion:*' insert-tab false"
zpty -w z "zstyle ':completion:*' menu no; zstyle ':completion:*:default' list-prompt ''"
zpty -w z 'compadd() {
	local -A apre hpre dscr
	local -a _args
	[[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]] && { builtin compadd "$@"; return }
	typeset -a __hits __dscr
	if (( $@[(I)-d] )); then
		eval "__dscr=(\"\${${@[$[${@[(i)-d]}+1]]}[@]}\")"
	fi
	builtin compadd -A __hits "$@"
	local h
	for h in $__hits; do print -r -- "<match>$h</match>"; done
	builtin compadd "$@"
}'
zpty -w z 'finish() { print -r -- "<done>"; zle -I }'
zpty -w z 'comppostfuncs=(finish)'
zpty -w z "print -r -- '<ready>'"
read_until '*<ready>*'
out=
zpty -n -w z "$line"$'\t'
read_until '*<done>*'
zpty -d z
print -r -- "$out" | tr -d '\r' | grep -o '<match>[^<]*</match>' |
	sed 's/<match>\(.*\)<\/match>/\1/' | sort -u
