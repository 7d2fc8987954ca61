# SPDX-License-Identifier: MIT
# Loaded by every suite: puts the freshly built tpmap first on PATH, gives
# each test a private temporary directory and names the C helpers.
# TP_DRIVER may be set from outside to run the driver under a wrapper
# (tests/helpers/valgrind-driver does that for the CI's valgrind pass).

bats_require_minimum_version 1.5.0

TPMAP_ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
export TPMAP_ROOT
export PATH="$TPMAP_ROOT:$TPMAP_ROOT/tests/helpers:$PATH"
: "${TP_DRIVER:=$TPMAP_ROOT/tests/helpers/tp-driver}"
export TP_DRIVER
SHOWARGS="$TPMAP_ROOT/tests/helpers/showargs"
export SHOWARGS

# `make -jN check` hands its jobserver to bats in MAKEFLAGS, with the
# descriptors closed (the recipe is not marked +): every tpmap would warn.
# The suites start from no make at all; 74-jobserver sets its own.
unset MAKEFLAGS MFLAGS MAKELEVEL

# A fresh directory per test, removed by bats afterwards.
TMP="$BATS_TEST_TMPDIR"
export TMP
