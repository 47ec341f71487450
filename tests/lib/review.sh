# SPDX-License-Identifier: GPL-2.0
# Guest helpers of the review scenarios ("# lib: review").
# inject CMD: a debugfs fault injection command for vda.  (Kernel
# messages since a point: vbp_log_mark and vbp_log_since of lib.sh.)
inject() { echo "$1" > "$VBP_DBG/vda/inject" || fail "inject $1"; }
