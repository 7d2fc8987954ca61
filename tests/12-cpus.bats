#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The default -j: the CPUs in the affinity mask, limited by the cgroup CPU
# quota.  The quota reader runs on fixture trees through
# tests/helpers/cgroup-cpus (ROOT stands for "/": ROOT/proc/self/cgroup,
# ROOT/sys/fs/cgroup/...); the affinity part runs tpmap under taskset.

load test_helper

# cgroup LINE...: ROOT/proc/self/cgroup with these lines.
cgroup() {
	mkdir -p "$TMP/root/proc/self"
	printf '%s\n' "$@" >"$TMP/root/proc/self/cgroup"
}

# v2 DIR 'QUOTA PERIOD': cpu.max of the v2 cgroup DIR.
v2() {
	mkdir -p "$TMP/root/sys/fs/cgroup$1"
	printf '%s\n' "$2" >"$TMP/root/sys/fs/cgroup$1/cpu.max"
}

# v1 MOUNT DIR QUOTA PERIOD: cfs files of the v1 cgroup DIR under the cpu
# hierarchy mounted at sys/fs/cgroup/MOUNT.
v1() {
	local d="$TMP/root/sys/fs/cgroup/$1$2"
	mkdir -p "$d"
	echo "$3" >"$d/cpu.cfs_quota_us"
	echo "$4" >"$d/cpu.cfs_period_us"
}

@test "cgroup v2: cpu.max 200000 100000 is 2 CPUs" {
	cgroup '0::/ci/job'
	v2 /ci/job '200000 100000'
	run -0 --separate-stderr cgroup-cpus "$TMP/root"
	[ "$output" = 2 ]
}

@test "cgroup v2: cpu.max max 100000 is no quota" {
	cgroup '0::/ci/job'
	v2 /ci/job 'max 100000'
	run -0 --separate-stderr cgroup-cpus "$TMP/root"
	[ "$output" = none ]
}

@test "cgroup v2: a fractional quota is rounded up" {
	cgroup '0::/ci/job'
	v2 /ci/job '150000 100000'
	run -0 --separate-stderr cgroup-cpus "$TMP/root"
	[ "$output" = 2 ]
}

@test "cgroup v2: a quota below one CPU is still one" {
	cgroup '0::/ci/job'
	v2 /ci/job '20000 100000'
	run -0 --separate-stderr cgroup-cpus "$TMP/root"
	[ "$output" = 1 ]
}

@test "cgroup v2: the smallest quota of the cgroup and its ancestors wins" {
	cgroup '0::/a/b/c'
	v2 /a '300000 100000'
	v2 /a/b '500000 100000'
	v2 /a/b/c 'max 100000'
	run -0 --separate-stderr cgroup-cpus "$TMP/root"
	[ "$output" = 3 ]
	v2 /a/b/c '100000 100000'
	run -0 --separate-stderr cgroup-cpus "$TMP/root"
	[ "$output" = 1 ]
}

@test "cgroup v2: the root's quota counts when the cgroup's own path is absent" {
	# A container without a cgroup namespace: its host-side path, its
	# own cgroup mounted as the root.
	cgroup '0::/system.slice/docker-1234.scope'
	v2 '' '400000 100000'
	run -0 --separate-stderr cgroup-cpus "$TMP/root"
	[ "$output" = 4 ]
}

@test "cgroup v1: cfs_quota_us over cfs_period_us under cpu,cpuacct" {
	cgroup '12:memory:/ci' '4:cpu,cpuacct:/ci/job' '1:name=systemd:/ci'
	v1 cpu,cpuacct /ci/job 300000 100000
	run -0 --separate-stderr cgroup-cpus "$TMP/root"
	[ "$output" = 3 ]
}

@test "cgroup v1: a quota of -1 is no quota" {
	cgroup '4:cpu,cpuacct:/ci/job'
	v1 cpu,cpuacct /ci/job -1 100000
	run -0 --separate-stderr cgroup-cpus "$TMP/root"
	[ "$output" = none ]
}

@test "cgroup v1: the cpu hierarchy mounted alone, fractional, parent smaller" {
	cgroup '3:cpuacct:/x' '2:cpu:/ci/job'
	v1 cpu /ci/job 250000 100000
	run -0 --separate-stderr cgroup-cpus "$TMP/root"
	[ "$output" = 3 ]
	v1 cpu /ci 150000 100000
	run -0 --separate-stderr cgroup-cpus "$TMP/root"
	[ "$output" = 2 ]
}

@test "cgroup v1: a line for cpuacct or cpuset alone is not the cpu controller" {
	cgroup '3:cpuacct:/ci' '2:cpuset:/ci'
	v1 cpu /ci 100000 100000
	run -0 --separate-stderr cgroup-cpus "$TMP/root"
	[ "$output" = none ]
}

@test "cgroup hybrid: a v1 cpu quota applies beside a v2 line" {
	cgroup '0::/ci' '2:cpu,cpuacct:/ci'
	v1 cpu,cpuacct /ci 200000 100000
	run -0 --separate-stderr cgroup-cpus "$TMP/root"
	[ "$output" = 2 ]
}

@test "no quota files, or no /proc/self/cgroup at all, is no quota" {
	mkdir -p "$TMP/root"
	run -0 --separate-stderr cgroup-cpus "$TMP/root"
	[ "$output" = none ]
	cgroup '0::/ci/job'
	run -0 --separate-stderr cgroup-cpus "$TMP/root"
	[ "$output" = none ]
}

@test "the default job count is the affinity mask limited by the quota" {
	cgroup '0::/ci'
	v2 /ci '100000 100000'
	run -0 --separate-stderr cgroup-cpus -u "$TMP/root"
	[ "$output" = 1 ]
	v2 /ci '6400000 100000'
	run -0 --separate-stderr taskset -c 0 cgroup-cpus -u "$TMP/root"
	[ "$output" = 1 ]
}

# -X shares the last arguments evenly among the job slots, so the job
# count shows in how the arguments are split.
@test "under taskset -c 0 the default is one job" {
	run -0 --separate-stderr taskset -c 0 tpmap -k -X echo ::: 1 2 3 4
	[ "$output" = "1 2 3 4" ]
}

@test "under taskset -c 0, -j 200% is two jobs" {
	run -0 --separate-stderr taskset -c 0 tpmap -k -j 200% -X echo ::: 1 2 3 4
	[ "$output" = $'1 2\n3 4' ]
}

@test "libtp's tp_cpu_count is the same count, one under taskset -c 0" {
	run -0 --separate-stderr cgroup-cpus -c
	[ "$output" = "$(cgroup-cpus -u /)" ]
	run -0 --separate-stderr taskset -c 0 cgroup-cpus -c
	[ "$output" = 1 ]
}
