# SPDX-License-Identifier: MIT
# bash completion for tpmap.  Options first; file names after options that
# take files (-a, --arg-file, --results) and after ::::.

_tpmap()
{
	local cur prev words cword
	_init_completion || return

	case $prev in
	-a | --arg-file | ::::)
		_filedir
		return
		;;
	--results | --res)
		_filedir -d
		return
		;;
	--joblog)
		_filedir
		return
		;;
	--halt | --halt-on-error)
		COMPREPLY=($(compgen -W 'never now,fail=1 soon,fail=1
			now,success=1 soon,success=1 now,done=1 soon,done=1' \
			-- "$cur"))
		return
		;;
	--trim)
		COMPREPLY=($(compgen -W 'n l r lr rl' -- "$cur"))
		return
		;;
	--joblog-format)
		COMPREPLY=($(compgen -W 'tsv json' -- "$cur"))
		return
		;;
	-j | -P | --jobs | --max-procs | -n | -N | -L | -s | --max-args | \
	--max-replace-args | --max-lines | --max-chars | -C | --colsep | -d | \
	--delimiter | -E | --eof | -I | --replace | --er | --extensionreplace | \
	--bnr | --basenamereplace | --dnr | --dirnamereplace | --bner | \
	--basenameextensionreplace | --seqreplace | --slotreplace | --tagstring | \
	--header | --delay | --load | --memfree | --retries | --termseq | \
	--block | --block-size | --blocksize | --recend | --recstart | \
	--timeout | --total-jobs)
		return
		;;
	esac

	# After ::: or a command word, complete commands and files, not options.
	local i
	for ((i = 1; i < cword; i++)); do
		if [[ ${words[i]} == ::: || ${words[i]} == :::+ ]]; then
			_filedir
			return
		fi
		if [[ ${words[i]} == :::: || ${words[i]} == ::::+ ]]; then
			_filedir
			return
		fi
	done

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W '-0 --null -a --arg-file -C --colsep
			-d --delimiter -E --eof -h --help -I --replace -j --jobs
			-P --max-procs -k --keep-order -L --max-lines -m
			-n --max-args -N --max-replace-args -q --quote
			-r --no-run-if-empty -s --max-chars -t -u --ungroup -v
			-V --version -X --xargs --basenamereplace --bnr
			--basenameextensionreplace --bner --csv --dirnamereplace
			--dnr --dry-run --extensionreplace --er --files --group
			--header --line-buffer --lb --link --xapply --results --res
			--seqreplace --slotreplace --tag --tagstring --trim
			--verbose --will-cite --no-notice --delay --halt
			--progress --eta --bar --total-jobs
			--halt-on-error --joblog --joblog-format --load --memfree --resume
			--resume-failed --retries --retry-failed --shuf --termseq
			--timeout --pipe --spreadstdin --pipepart --block
			--block-size --blocksize --recend --recstart --regexp
			--rrs --remove-rec-sep --removerecsep --cat --fifo
			--round-robin --round --tee' -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -c -- "$cur"))
} &&
	complete -F _tpmap tpmap
