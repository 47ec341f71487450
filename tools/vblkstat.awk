# SPDX-License-Identifier: GPL-2.0
#
# The awk program of vblkstat(8), run by tools/vblkstat (installed next
# to it) in one of two modes:
#
# mode=snap: stdin is a list of counter files; print one sample as
#   "KIND ID QUEUE NAME VALUE" lines:
#     T - - uptime <seconds>     D <disk> - <name> <value>
#     Q <disk> <queue> <name> <value>     C <cpu> - <name> <value>
#   and "E <file>" for a file that could not be opened.  Every
#   "name value" line of a file is taken, whatever the name.
#   Variables: vdir, cdir (the debugfs directories, with a trailing /).
#
# mode=report: stdin is the previous sample (lines prefixed "P", may be
#   absent) and the current one ("N"); print one report.  Variables:
#   json, perq (one line per queue), now (the time to print).
#
# Any name in a file that is not a gauge below is a counter: reports show
# the change over the interval, and JSON reports carry every counter
# under its own name, so a counter the modules add needs no change here.
# The text columns and the JSON keys with other names (hits, ratios,
# rates) are computed from the counters they name.

BEGIN {
	# values that are not counters: shown as they are, never as changes
	n = split("D default_queues D poll_queues D queue_depth D dead Q type " \
		  "C window_ns C hint_inflight C hint_service_ns", g, " ")
	for (i = 1; i < n; i += 2)
		is_gauge[g[i], g[i + 1]] = 1
	# CPU counters that have a JSON key of their own, maybe renamed
	n = split("entries polls poll_wakeups poll_timeouts halts io_polls " \
		  "io_wakeups io_completions poll_ns halt_ns resyncs", g, " ")
	for (i = 1; i <= n; i++)
		cpu_shown[g[i]] = 1
	if (mode == "snap") {
		if ((getline line < "/proc/uptime") > 0) {
			split(line, word, " ")
			print "T - - uptime", word[1]
		}
	}
}

# ---------------------------------------------------------------- snap

mode == "snap" {
	file = $0
	pre = ""
	if (index(file, vdir) == 1) {
		np = split(substr(file, length(vdir) + 1), part, "/")
		if (np == 2 && part[2] == "device")
			pre = "D " part[1] " -"
		else if (np == 3 && part[3] == "stats" && part[2] ~ /^q[0-9]+$/)
			pre = "Q " part[1] " " substr(part[2], 2)
	} else if (index(file, cdir) == 1) {
		cname = substr(file, length(cdir) + 1)
		if (cname ~ /^cpu[0-9]+$/)
			pre = "C " substr(cname, 4) " -"
	}
	if (pre == "")
		next
	while ((got = (getline line < file)) > 0)
		if (split(line, word, " ") >= 2)
			print pre, word[1], word[2]
	if (got < 0)
		print "E", file
	close(file)
}

# -------------------------------------------------------------- report

function key(kind, id, q, name) { return kind SUBSEP id SUBSEP q SUBSEP name }
# Counter change over the interval; a counter that went down was reset
# (vblkstat -z) in between and counts from zero.
function delta(kind, id, q, name,   k, d) {
	k = key(kind, id, q, name)
	if (!(k in cur))
		return 0
	if (!have_prev)
		return cur[k] + 0
	d = cur[k] - prev[k]
	return d < 0 ? cur[k] + 0 : d
}
function gauge(kind, id, q, name) { return cur[key(kind, id, q, name)] + 0 }
function ratio(a, b) { return b > 0 ? a / b : "" }
function rate(a) { return have_prev && dt > 0 ? a / dt : "" }
function cnt(v) { return sprintf("%.0f", v) }
function txt(v, fmt) { return v == "" ? "-" : sprintf(fmt, v) }
function js(v) { return v == "" ? "null" : (v == int(v) ? sprintf("%.0f", v) : sprintf("%.6g", v)) }
mode == "report" && $1 == "P" { prev[key($2, $3, $4, $5)] = $6; have_prev = 1; if ($2 == "T") t0 = $6; next }
mode == "report" && $1 == "N" {
	cur[key($2, $3, $4, $5)] = $6
	# every name that is not a gauge is a counter, kept in file order
	if ($2 != "T" && !(($2, $5) in is_gauge) && !(($2, $5) in is_cnt)) {
		is_cnt[$2, $5] = 1
		cnt_name[$2, ++ncnt[$2]] = $5
	}
	if ($2 == "T") t1 = $6
	if ($2 == "D" && !($3 in isdisk)) { isdisk[$3] = 1; disk[nd++] = $3 }
	if ($2 == "Q") {
		qs[$3, $4] = 1
		if (!($3 in maxq) || $4 + 0 > maxq[$3]) maxq[$3] = $4 + 0
	}
	if ($2 == "C") {
		cpus[$3] = 1
		if ($3 + 0 > maxc) maxc = $3 + 0
		ncpu++
	}
}
# Fill the IO fields of array r from queue q of disk d ("" = all).
function qfill(d, q, r,   i, a) {
	for (i = 1; i <= ncnt["Q"]; i++)
		r[cnt_name["Q", i]] = 0
	for (a = 0; a <= maxq[d]; a++) {
		if (!((d, a) in qs) || (q != "" && a != q))
			continue
		for (i = 1; i <= ncnt["Q"]; i++)
			r[cnt_name["Q", i]] += delta("Q", d, a, cnt_name["Q", i])
	}
	r["ios"] = r["completions"] + r["poll_completions"] + r["idle_completions"]
	r["iops"] = rate(r["ios"])
	r["kicks_per_io"] = ratio(r["kicks"], r["submitted"])
	r["irqs_per_io"] = ratio(r["interrupts"], r["ios"])
	r["polls_per_io"] = ratio(r["polls"], r["ios"])
	r["completions_per_poll"] = ratio(r["poll_completions"], r["polls"])
	r["idle_per_io"] = ratio(r["idle_completions"], r["ios"])
}
function qline(name, type, r) {
	printf "%-8s %-4s %-8s %10s %8s %8s %8s %9s", name, q_label, type,
		have_prev ? txt(r["iops"], "%.1f") : cnt(r["ios"]),
		txt(r["kicks_per_io"], "%.2f"), txt(r["irqs_per_io"], "%.2f"),
		txt(r["polls_per_io"], "%.2f"), txt(r["completions_per_poll"], "%.2f")
}
# ios, iops, every queue counter in file order, then the ratios; for a
# whole disk (dsk set) not a name its device file has already given.
function qjson(r, dsk,   s, i, n, names) {
	s = sprintf("\"ios\":%s,\"iops\":%s", js(r["ios"]), js(r["iops"]))
	for (i = 1; i <= ncnt["Q"]; i++)
		if (!dsk || !(("D", cnt_name["Q", i]) in is_cnt))
			s = s sprintf(",\"%s\":%s", cnt_name["Q", i], js(r[cnt_name["Q", i]]))
	n = split("kicks_per_io irqs_per_io polls_per_io completions_per_poll idle_per_io", names, " ")
	for (i = 1; i <= n; i++)
		s = s sprintf(",\"%s\":%s", names[i], js(r[names[i]]))
	return s
}
END {
	if (mode != "report")
		exit
	dt = have_prev ? t1 - t0 : 0
	if (have_prev && dt <= 0)
		dt = 0.01
	if (json) {
		printf "{\"time\":\"%s\",\"interval_s\":%s,\"disks\":[", now, have_prev ? sprintf("%.2f", dt) : "null"
	} else {
		if (have_prev)
			printf "%s  interval %.2f s\n", now, dt
		else
			printf "%s  totals since load or reset\n", now
	}
	if (nd && !json)
		printf "%-8s %-4s %-8s %10s %8s %8s %8s %9s %6s %6s\n", "disk", "q", "type",
			have_prev ? "IO/s" : "IOs", "kick/IO", "irq/IO", "poll/IO", "cpl/poll",
			"tmo", "reset"
	for (i = 0; i < nd; i++) {
		d = disk[i]
		if (json)
			printf "%s{\"disk\":\"%s\",\"default_queues\":%d,\"poll_queues\":%d,\"queue_depth\":%d,\"dead\":%d",
				i ? "," : "", d, gauge("D", d, "-", "default_queues"),
				gauge("D", d, "-", "poll_queues"), gauge("D", d, "-", "queue_depth"),
				gauge("D", d, "-", "dead")
		else if (perq) {
			for (q = 0; q <= maxq[d]; q++) {
				if (!((d, q) in qs))
					continue
				delete r
				qfill(d, q, r)
				q_label = q
				qline(d, cur[key("Q", d, q, "type")], r)
				printf "\n"
			}
		}
		delete dev
		for (j = 1; j <= ncnt["D"]; j++)
			dev[cnt_name["D", j]] = delta("D", d, "-", cnt_name["D", j])
		delete r
		qfill(d, "", r)
		if (json) {
			for (j = 1; j <= ncnt["D"]; j++)
				printf ",\"%s\":%.0f", cnt_name["D", j], dev[cnt_name["D", j]]
			printf ",%s,\"queues\":[", qjson(r, 1)
			sep = ""
			for (q = 0; q <= maxq[d]; q++) {
				if (!((d, q) in qs))
					continue
				delete r
				qfill(d, q, r)
				printf "%s{\"queue\":%d,\"type\":\"%s\",%s}", sep, q,
					cur[key("Q", d, q, "type")], qjson(r)
				sep = ","
			}
			printf "]}"
		} else {
			q_label = "all"
			qline(d, gauge("D", d, "-", "default_queues") "d+" gauge("D", d, "-", "poll_queues") "p", r)
			printf " %6.0f %6.0f", dev["timeouts"], dev["resets"]
			if (dev["requeues"] || dev["failed"])
				printf "  requeued %.0f failed %.0f", dev["requeues"], dev["failed"]
			if (gauge("D", d, "-", "dead"))
				printf "  DEAD"
			printf "\n"
		}
	}
	if (json)
		printf "],\"cpus\":["
	else if (ncpu)
		printf "%-6s %10s %10s %6s %10s %10s %7s %6s %10s\n", "cpu",
			have_prev ? "poll/s" : "polls", have_prev ? "hit/s" : "hits",
			"hit%", have_prev ? "halt/s" : "halts",
			have_prev ? "iopoll/s" : "iopolls", "iohit%", "poll%",
			"window_us"
	sep = ""
	for (c = 0; ncpu && c <= maxc; c++) {
		if (!(c in cpus))
			continue
		polls = delta("C", c, "-", "polls")
		hits = delta("C", c, "-", "poll_wakeups")
		halts = delta("C", c, "-", "halts")
		iop = delta("C", c, "-", "io_polls")
		ioh = delta("C", c, "-", "io_wakeups")
		pns = delta("C", c, "-", "poll_ns")
		hns = delta("C", c, "-", "halt_ns")
		ptime = have_prev ? pns / (dt * 1e9) : ""
		if (json) {
			printf "%s{\"cpu\":%d,\"entries\":%.0f,\"polls\":%.0f,\"hits\":%.0f,\"poll_timeouts\":%.0f,\"halts\":%.0f,\"io_polls\":%.0f,\"io_hits\":%.0f,\"io_completions\":%.0f,\"poll_ns\":%.0f,\"halt_ns\":%.0f,\"resyncs\":%.0f",
				sep, c, delta("C", c, "-", "entries"), polls, hits,
				delta("C", c, "-", "poll_timeouts"), halts, iop, ioh,
				delta("C", c, "-", "io_completions"), pns, hns,
				delta("C", c, "-", "resyncs")
			printf ",\"polls_per_s\":%s,\"hits_per_s\":%s,\"halts_per_s\":%s,\"hit_ratio\":%s,\"io_hit_ratio\":%s,\"poll_time_ratio\":%s,\"window_ns\":%.0f,\"hint_inflight\":%.0f",
				js(rate(polls)), js(rate(hits)), js(rate(halts)),
				js(ratio(hits, polls)), js(ratio(ioh, iop)), js(ptime),
				gauge("C", c, "-", "window_ns"),
				gauge("C", c, "-", "hint_inflight")
			# counters without a key of their own above, by file name
			for (j = 1; j <= ncnt["C"]; j++)
				if (!(cnt_name["C", j] in cpu_shown))
					printf ",\"%s\":%.0f", cnt_name["C", j],
						delta("C", c, "-", cnt_name["C", j])
			printf "}"
			sep = ","
		} else {
			printf "cpu%-3d %10s %10s %6s %10s %10s %7s %6s %10.1f\n", c,
				have_prev ? txt(rate(polls), "%.1f") : cnt(polls),
				have_prev ? txt(rate(hits), "%.1f") : cnt(hits),
				txt(ratio(hits * 100, polls), "%.1f"),
				have_prev ? txt(rate(halts), "%.1f") : cnt(halts),
				have_prev ? txt(rate(iop), "%.1f") : cnt(iop),
				txt(ratio(ioh * 100, iop), "%.1f"),
				have_prev ? txt(ptime * 100, "%.1f") : "-",
				gauge("C", c, "-", "window_ns") / 1000
		}
	}
	if (json)
		printf "]}\n"
	else
		printf "\n"
}
