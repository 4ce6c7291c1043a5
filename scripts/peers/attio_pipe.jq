# attio_pipe.jq -- jq (1.6+) peer of `attio-pipe build`, used by scripts/benchmark.py.
#
#   jq -c -n -f scripts/peers/attio_pipe.jq < events.ndjson > bodies.ndjson
#
# Same job and same semantics as scripts/peers/attio_pipe_orjson.py (see its
# docstring): identity graph over anonymousId/userId (+ snake_case spellings)
# with alias, trait merging (context.traits then identify traits), eligibility
# (Identified, Signed Up, Lead Generated, Logged In; case/separator-insensitive),
# email validation, name/phone/job_title/description mapping. Its output is
# checked line for line against the Python peer's by the benchmark.
#
# Simplifications compared with attio-pipe (all but the last two shared with
# the Python peer):
#   * phone: simplified E.164 (delete " .-()", keep if ^\+[1-9][0-9]{6,14}$).
#   * ids must be non-empty strings; trait values other than strings/null are
#     ignored; anonymous ids and user ids share one namespace.
#   * email lowercasing and event-name lowercasing are ASCII-only here
#     (`ascii_downcase`); Python lowercases Unicode. Irrelevant for the
#     generated benchmark stream, whose emails and event names are ASCII.
#   * the input must be valid JSON (jq stops at the first syntax error);
#     non-object values are skipped.
#
# State (threaded through `foreach`) is ONE flat object:
#   "i:" + id    -> root id, only for ids that were merged into another root
#   "p:" + root  -> traits {email, first_name, last_name, name, phone, job_title}
#   "m:" + root  -> member ids (only for roots that took part in a link); on a
#                   merge the smaller member list is re-pointed to the larger root
#   "out"        -> the body to emit for the current event, or null
#
# Performance notes (jq 1.6): jq updates an object in place only when nothing
# else references it. A nested `.a[$k] = v` always copies `.a`, and a live
# backtracking point (left by `//`, `,`, `.[]`, ... in an enclosing `X as $v |`
# or in the right-hand side of `=`) makes the whole state be copied. Either way
# every identity update would cost O(state) and the run would be quadratic.
# Hence: a flat state, all per-event values computed in the `foreach` source
# (before the state is loaded), only `if`/`has` in the update, and generator-ish
# right-hand sides collected with `[...][0]` so they leave no backtracking point.

def eligible: {"identified": true, "signedup": true, "leadgenerated": true, "loggedin": true};

def trait_keys:
  [["email", ["email"]],
   ["first_name", ["first_name", "firstName"]],
   ["last_name", ["last_name", "lastName"]],
   ["name", ["name"]],
   ["phone", ["phone"]],
   ["job_title", ["job_title", "jobTitle", "title"]]];

def idstr: if type == "string" and . != "" then . else null end;

# whitespace trim (jq 1.6 has no `trim`); the regex only runs when needed
def trimws:
  if test("^\\s|\\s$") then sub("^\\s+"; "") | sub("\\s+$"; "") else . end;

# lowercase, keep [a-z0-9] only: "Signed Up" == "signed_up" == "signedUp"
def normname:
  ascii_downcase | explode
  | map(select((. >= 97 and . <= 122) or (. >= 48 and . <= 57)))
  | implode;

# non-empty object or null
def nonempty_obj: if type == "object" and length > 0 then . else null end;

# . is a traits object; merge the recognised traits of $t (object or null)
def merge_traits($t):
  if $t == null then .
  else
    reduce (trait_keys[] as [$f, $ks]
            | [$ks[] | select(. as $k | $t | has($k))]
            | select(length > 0)
            | [$f, $t[.[0]]]) as [$f, $v]
      (.;
       if $v == null then del(.[$f])
       elif ($v | type) == "string" then
         ($v | trimws) as $s | if $s == "" then . else .[$f] = $s end
       else . end)
  end;

# --- state access (fork-free) ---------------------------------------------
def root($id): ("i:" + $id) as $k | if has($k) then .[$k] else $id end;
def traits_of($r): ("p:" + $r) as $k | if has($k) then .[$k] else {} end;
def members_of($r): ("m:" + $r) as $k | if has($k) then .[$k] else [$r] end;

# link two ids (and their profiles); traits of $new's side win on conflicts
def link($old; $new):
  root($old) as $ro | root($new) as $rn
  | if $ro == $rn then .
    else
      members_of($ro) as $mo | members_of($rn) as $mn
      | (traits_of($ro) + traits_of($rn)) as $t
      | (if ($mo | length) >= ($mn | length) then [$ro, $rn, $mn] else [$rn, $ro, $mo] end)
          as [$keep, $gone, $moved]
      | .["p:" + $keep] = $t | del(.["p:" + $gone])
      | .["m:" + $keep] = $mo + $mn | del(.["m:" + $gone])
      | reduce $moved[] as $m (.; .["i:" + $m] = $keep)
    end;

# --- mapping ----------------------------------------------------------------
def valid_email: test("^[^@\\s]+@[^@\\s.]+(\\.[^@\\s.]+)+$");

# phone: delete space . - ( ) then check simplified E.164
def norm_phone:
  explode | map(select(. != 32 and . != 46 and . != 45 and . != 40 and . != 41)) | implode
  | if test("^\\+[1-9][0-9]{6,14}$") then . else null end;

# $tr: traits object, $x: prepared event -> body or null
def body($tr; $x):
  ($tr.email // null) as $raw
  | if $raw == null then null
    else
      ($raw | trimws | ascii_downcase) as $email
      | if ($email | valid_email) | not then null
        else
          $tr.name as $full | $tr.first_name as $first | $tr.last_name as $last
          | {email_addresses: [{email_address: $email}]}
          + (if $full == null and $first == null and $last == null then {}
             else
               (if $full != null then ($full | capture("^(?<f>\\S+)\\s*(?<r>[\\s\\S]*)$"))
                else {f: "", r: ""} end) as $split
               | {name: [{first_name: ($first // $split.f),
                          last_name: ($last // $split.r),
                          full_name: ($full // (if $first != null and $last != null then $first + " " + $last
                                                else ($first // $last) end))}]}
             end)
          + (($tr.phone // null) as $p
             | if $p == null then {}
               else ($p | norm_phone) as $np
                 | if $np == null then {} else {phone_numbers: [{original_phone_number: $np}]} end
               end)
          + (if $tr.job_title != null then {job_title: [{value: $tr.job_title}]} else {} end)
          + (if $x.n == "leadgenerated" and ($x.e.properties | type) == "object" then
               [$x.e.properties.lead_source, $x.e.properties.leadSource
                | select(type == "string") | trimws | select(. != "")]
               | if length > 0 then {description: [{value: .[0]}]} else {} end
             else {} end)
          | {data: {values: .}}
        end
    end;

# --- main -----------------------------------------------------------------
foreach (inputs
         | select(type == "object")
         | . as $e
         | ((.anonymousId | idstr) // (.anonymous_id | idstr)) as $a
         | ((.userId | idstr) // (.user_id | idstr)) as $u
         | {e: $e, a: $a, u: $u,
            id: ($u // $a),
            p: (if .type == "alias" and $u != null
                then ((.previousId | idstr) // (.previous_id | idstr)) else null end),
            ct: (if (.context | type) == "object" then .context.traits | nonempty_obj else null end),
            tt: (if .type == "identify" then .traits | nonempty_obj else null end),
            n: (if .type == "identify" then "identified"
                elif .type == "track" and (.event | type) == "string" then
                  (.event | normname) as $n | if eligible[$n] then $n else null end
                else null end)}) as $x
  ({out: null};
   .out = null
   | if $x.p != null then link($x.p; $x.u) else . end
   | if $x.a != null and $x.u != null then link($x.a; $x.u) else . end
   | if $x.id != null and ($x.ct != null or $x.tt != null) then
       ("p:" + root($x.id)) as $pk
       | .[$pk] = ([(if has($pk) then .[$pk] else {} end) | merge_traits($x.ct) | merge_traits($x.tt)][0])
     else . end
   | if $x.n != null and $x.id != null then
       ("p:" + root($x.id)) as $pk
       | if has($pk) then .out = ([body(.[$pk]; $x)][0]) else . end
     else . end;
   .out // empty)
