#!/usr/bin/env bash
# Prints the ratios the issues ask for from a `go test -bench` output file.
# Each benchmark reports its own rate with b.ReportMetric; this script only
# divides them, so every figure comes from the same run on this machine.
set -uo pipefail
f="${1:-bench.out}"
# metric prints the value of unit for every run of a benchmark (make bench
# runs each 3 times: -count 3), one a line, in order.
metric() { # benchmark-name-regex unit
  grep -E "^Benchmark$1(-[0-9]+)? " "$f" | awk -v u="$2" '{for(i=1;i<NF;i++) if($(i+1)==u) print $i}' | paste -sd' ' -
}
# ratio divides the i-th run of the numerator by the i-th of the
# denominator and prints the median ratio with its spread (min–max).
ratio() { # label numerator-values denominator-values target
  if [ -n "$2" ] && [ -n "$3" ]; then
    awk -v l="$1" -v a="$2" -v b="$3" -v t="$4" 'BEGIN{
      n=split(a,x," "); m=split(b,y," "); if(m<n) n=m
      for(i=1;i<=n;i++) r[i]=x[i]/y[i]
      for(i=1;i<=n;i++) for(j=i+1;j<=n;j++) if(r[j]<r[i]){s=r[i];r[i]=r[j];r[j]=s}
      med=(n%2)?r[(n+1)/2]:(r[n/2]+r[n/2+1])/2
      printf "%-58s %10.3f   [%.3f–%.3f over %d runs]   (target %s)\n", l, med, r[1], r[n], n, t}'
  else
    printf "%-58s %10s\n" "$1" "n/a (benchmark missing)"
  fi
}
# first prints the median of a metric's values (for the figures).
first() {
  echo "$1" | tr ' ' '\n' | grep . | sort -g | awk '{v[NR]=$1} END{if(NR) print v[int((NR+1)/2)]; else print "n/a"}'
}
echo
echo "== Ratios (same run, same machine)"
raw=$(metric VerifyRaw2Core verifies/s)
cold=$(metric ConnectBlockCold writes/s)
warm=$(metric ConnectBlockWarm writes/s)
ratio "block validation (cold sig cache) / raw 2-core verify" "$cold" "$raw" ">= 0.9"
ratio "block validation (warm sig cache) / raw 2-core verify" "$warm" "$raw" ">= 3"
sha=$(metric SHA256Header80 hashes/s)
sha40=$(metric SHA256Preimage40 hashes/s)
mh=$(metric MinerHashRate hashes/s)
ratio "miner hash rate / raw SHA-256 of an 80-byte header" "$mh" "$sha" ">= 0.9"
ratio "miner hash rate / raw SHA-256 of our 40-byte preimage" "$mh" "$sha40" ">= 0.9"
m0=$(metric MergedHashRate/depth0 hashes/s)
m3=$(metric MergedHashRate/depth3 hashes/s)
ratio "merged mining: hash rate along a depth-3 path / root alone" "$m3" "$m0" ">= 0.9"
sync=$(metric SyncFrom3Peers blocks/s)
val=$(metric SingleNodeValidation blocks/s)
ratio "sync rate / single-node validation rate" "$sync" "$val" ">= 0.8"
syncw=$(metric SyncFrom3Peers writes/s)
valw=$(metric SingleNodeValidation writes/s)
ratio "sync writes/s / single-node validation writes/s" "$syncw" "$valw" ">= 0.8"
ratio "sync writes/s (10-write blocks) / cold connect writes/s" "$syncw" "$cold" ">= 0.5"
synccpu=$(metric SyncFrom3Peers cpu-µs/write)
coldcpu=$(metric ConnectBlockCold cpu-µs/write)
ratio "  the same in CPU time (sync counts its 3 serving peers)" "$coldcpu" "$synccpu" ">= 0.5"
fq=$(metric ValidationUnderTxFlood/quiet blocks/s)
ff=$(metric ValidationUnderTxFlood/flood blocks/s)
ratio "block validation under a nonce-gap script tx flood / quiet" "$ff" "$fq" ">= 0.8"
vget=$(metric VerifiedGet us/op-lat)
srtt=$(metric StreamRTT us/op-lat)
ratio "verified remote get latency / raw libp2p stream round trip" "$vget" "$srtt" "<= 3"
printf "%-58s %10s\n" "sync from 3 peers, blocks/s / writes/s (median)" "$(first "$sync") / $(first "$syncw")"
b01=$(metric SyncBytes bytes-follow-01)
ball=$(metric SyncBytes bytes-follow-all)
ratio "sync bytes received: following 01 / following all" "$b01" "$ball" "headers only: well below 1"
g01=$(metric GossipBytes bytes/round-follow-01)
gall=$(metric GossipBytes bytes/round-follow-all)
ratio "gossip bytes per round (steady state): following 01 / all" "$g01" "$gall" "claims only: well below 1"
for cfg in lone devnet3; do
  lw=$(metric "Load/$cfg" writes/s)
  lc=$(metric "Load/$cfg" ceiling-writes/s)
  ratio "load ($cfg): sustained confirmed writes/s / validation ceiling" "$lw" "$lc" "figure"
  printf "%-58s %10s\n" "load ($cfg): writes/s, p50 / p99 confirmation ms (median)" \
    "$(first "$lw"), $(first "$(metric "Load/$cfg" p50_ms)") / $(first "$(metric "Load/$cfg" p99_ms)")"
done

echo
echo "== Figures"
p50=$(metric Propagation10Nodes p50_ms)
p95=$(metric Propagation10Nodes p95_ms)
printf "%-58s %10s\n" "block propagation to 10 nodes, p50 / p95 ms (median)" "$(first "$p50") / $(first "$p95")"
for sz in 5 20; do
  td=$(metric "TimeToFirstDiscovery/nodes$sz" ms-to-discovery)
  tm=$(metric "TimeToFirstDiscovery/nodes$sz" max-ms-to-discovery)
  printf "%-58s %10s   (target < 10000)\n" "time to first discovery, devnet of $sz: median / worst ms" "$(first "$td") / $(first "$tm")"
done
tv=$(grep -E "^BenchmarkBlockListView10k(-[0-9]+)? " "$f" | head -1 | awk '{for(i=1;i<NF;i++) if($(i+1)=="ns/op") print $i/1e6}')
printf "%-58s %10s\n" "verified remote get / raw stream round trip, us" "${vget:-n/a} / ${srtt:-n/a}"
printf "%-58s %10s   (target <= 5)\n" "TUI View with 10,000 blocks, ms" "${tv:-n/a}"
mp=$(metric Ratio metered/plain)
pp=$(metric Ratio pool/plain)
printf "%-58s %10s\n" "access script cost: metered / plain goja, pool / plain" "${mp:-n/a} / ${pp:-n/a}"
bwl=$(metric TransformBlackAndWhite1MP loop_ms)
bwc=$(metric TransformBlackAndWhite1MP loop_cpu_ms)
bwn=$(metric TransformBlackAndWhite1MP native_ms)
bwr=$(metric TransformBlackAndWhite1MP sandbox/native)
bwe=$(metric TransformBlackAndWhite1MP example_ms)
bwp=$(metric TransformBlackAndWhite1MP pool_ms)
printf "%-58s %10s   (CPU time where readable)\n" "black and white 1 MP loop: sandbox / native Go" "${bwr:-n/a}"
printf "%-58s %10s   (target <= 2000)\n" "black and white 1 MP loop in the sandbox, ms (CPU ms)" "${bwl:-n/a} (${bwc:-n/a})"
printf "%-58s %10s\n" "black and white example with PNG decode+encode, in process / worker, ms" "${bwe:-n/a} / ${bwp:-n/a}"
# The tumble: one aggregate signature (KeyAgg of n keys + one verify) vs n
# separate signatures; KeyAgg alone, per key.
for n in 5 20 50; do
  ta=$(metric "TumbleVerify/n=$n/aggregate" tumbles/s)
  ts=$(metric "TumbleVerify/n=$n/separate" tumbles/s)
  ratio "tumble of $n inputs: aggregate check / $n separate signatures (speed)" "$ta" "$ts" "> 1"
  ka=$(metric "TumbleVerify/n=$n/keyagg" keyaggs/s)
  printf "%-58s %10s\n" "KeyAgg of $n keys, per second" "$(first "$ka")"
done
pab=$(first "$(metric PoolAnswerVerify answer_tx_bytes)")
pav=$(grep -E "^BenchmarkPoolAnswerVerify(-[0-9]+)? " "$f" | awk '{for(i=1;i<NF;i++) if($(i+1)=="ns/op") print $i/1e3}' | paste -sd' ' -)
printf "%-58s %10s\n" "pool answer (20 MiB blob): tx bytes / verify us" "${pab:-n/a} / $(first "${pav:-}")"
pes=$(first "$(metric PoolEpochThousandMembers answer_bytes/epoch)")
pec=$(first "$(metric PoolEpochThousandMembers answers_block_ms)")
pds=$(first "$(metric PoolEpochThousandMembers settle_draw_block_ms)")
printf "%-58s %10s\n" "1,000 pool members x 1 epoch: answer bytes / connect ms / settle ms" "${pes:-n/a} / ${pec:-n/a} / ${pds:-n/a}"
