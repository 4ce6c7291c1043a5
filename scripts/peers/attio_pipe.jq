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
# Rules added for the real-world payloads issue (as in the Python peer): the call
# type is `type`, else `action`; trait keys are matched ignoring case and the
# separators _ - . space (the exact snake_case key first, then other spellings,
# then the aliases full_name, phone_number, mobile, title); an eligible track's
# `properties` carry the same fields; a top-level `email` is used when no trait
# gives one, a userId that is an email when the person has none; an honorific
# alone is not a job title; a track named Identified/Identify never triggers.
#
# Simplifications compared with attio-pipe (all but the last two shared with
# the Python peer):
#   * phone: simplified E.164 (delete " .-()", keep if ^\+[1-9][0-9]{6,14}$)
#     plus the leading-digit/length table of the supported calling codes
#     (phone_prefixes below, a copy of attio-pipe's generated table).
#   * names: no sequence numbers and no "Last, First" or honorific handling: a
#     missing first/last name is the first word / rest of `name` (the benchmark
#     stream's names are consistent and plain).
#   * emails: ASCII-only LDH/dot-atom check (the stream's emails are ASCII).
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

# folded key -> [field, rank]; rank 0 is the exact snake_case key (see trait_slot)
def folded_keys:
  {"email": ["email", 1], "firstname": ["first_name", 1], "lastname": ["last_name", 1],
   "jobtitle": ["job_title", 1], "name": ["name", 1], "fullname": ["name", 2],
   "phone": ["phone", 1], "phonenumber": ["phone", 2], "mobile": ["phone", 3],
   "title": ["job_title", 4]};

def trait_slot:
  if . == "first_name" or . == "last_name" or . == "job_title" then [., 0]
  elif . == "email" or . == "name" or . == "phone" or . == "title" then folded_keys[.]
  elif (explode | all(. >= 97 and . <= 122)) then folded_keys[.] // null
  else (explode
        | map(select(. != 95 and . != 45 and . != 46 and . != 32))
        | map(if . >= 65 and . <= 90 then . + 32 else . end) | implode) as $f
    | folded_keys[$f] // null
  end;

def honorifics:
  {"mr": true, "mrs": true, "ms": true, "miss": true, "mx": true, "dr": true, "prof": true,
   "sir": true, "dame": true, "mme": true, "mlle": true, "rev": true, "herr": true,
   "frau": true, "m": true, "messrs": true};

def is_honorific: (ascii_downcase | gsub("[.,]"; "")) as $w | honorifics[$w] // false;

def phone_prefixes: {"1":{"2":[10],"3":[7,10],"4":[10],"5":[10],"6":[10],"7":[10],"8":[10],"9":[10]},"44":{"1":[9,10],"2":[10],"3":[10],"5":[10],"7":[10],"8":[7,9,10],"9":[10]},"353":{"1":[8,9,10],"2":[7,8,9],"4":[7,8,9,10],"5":[7,8,9],"6":[7,8,9],"7":[9],"8":[9,10],"9":[7,8,9]},"49":{"1":[4,5,6,7,8,9,10,11,12,13,14],"2":[6,7,8,9,10,11,12,13,14,15],"3":[5,6,7,8,9,10,11,12,13,14,15],"40":[5,6,7,8,9,10,11,12,13,14,15],"41":[5,6,7,8,9,10,11,12,13,14,15],"42":[5,6,7,8,9,10,11,12,13,14,15],"43":[5,6,7,8,9,10,11,12,13,14,15],"44":[5,6,7,8,9,10,11,12,13,14,15],"45":[5,6,7,8,9,10,11,12,13,14,15],"46":[5,6,7,8,9,10,11,12,13,14,15],"47":[5,6,7,8,9,10,11,12,13,14,15],"48":[5,6,7,8,9,10,11,12,13,14,15],"490":[5,6,7,8,9,10,11,12,13],"491":[5,6,7,8,9,10,11,12,13],"492":[5,6,7,8,9,10,11,12,13],"493":[5,6,7,8,9,10,11,12,13],"494":[5,6,7,8,9,10,11,12,13],"495":[5,6,7,8,9,10,11,12,13],"496":[5,6,7,8,9,10,11,12,13],"497":[5,6,7,8,9,10,11,12],"498":[5,6],"499":[5,6,7],"5":[6,7,8,9,10,11,12,13,14,15],"6":[5,6,7,8,9,10,11,12,13,14,15],"7":[6,7,8,9,10,11,12,13,14,15],"8":[5,6,7,8,9,10,11,12,13,14,15],"9":[6,7,8,9,10,11,12,13,14,15]},"33":{"1":[9],"2":[9],"3":[9],"4":[9],"5":[9],"6":[9],"7":[9],"8":[9],"9":[9]},"34":{"400":[9],"51":[9],"6":[9],"7":[9],"8":[9],"9":[9]},"39":{"0":[6,7,8,9,10,11,12],"1":[9,10,11],"30":[9,10,11,12],"31":[9,10,11,12],"32":[9,10,11,12],"33":[9,10,11,12],"34":[9,10,11,12],"35":[9,10,11,12],"36":[9,10,11,12],"37":[9,10,11,12],"38":[9,10,11,12],"39":[9,10],"43":[10],"55":[10],"70":[10],"8":[6,8,9,10]},"31":{"1":[5,6,9],"2":[9],"30":[9],"310":[9],"311":[9],"312":[9],"313":[9],"314":[9],"315":[9],"316":[9],"317":[9],"318":[9],"32":[9],"33":[9],"34":[9],"35":[9],"36":[9],"37":[9],"38":[9],"39":[9],"4":[9],"5":[9],"6":[9],"7":[9],"8":[7,8,9,10],"9":[7,8,9,10,11]},"32":{"1":[8],"2":[8],"3":[8],"4":[8,9],"5":[8],"6":[8],"7":[8],"8":[8],"9":[8]},"41":{"2":[9],"3":[9],"4":[9],"5":[9],"6":[9],"7":[9],"8":[9,12],"9":[9]},"43":{"1":[4,5,6,7,8,9,10,11,12,13],"2":[7,8,9,10,11,12,13],"3":[6,7,8,9,10,11,12,13],"40":[6,7,8,9,10,11,12,13],"41":[6,7,8,9,10,11,12,13],"42":[6,7,8,9,10,11,12,13],"430":[7,8,9,10,11,12,13],"432":[7,8],"433":[7],"434":[7],"435":[7,8,9,10,11,12,13],"436":[7],"437":[7],"438":[7,8,9],"439":[7,8,9,10],"44":[6,7,8,9,10,11,12,13],"45":[6,7,8,9,10,11,12,13],"46":[6,7,8,9,10,11,12,13],"47":[6,7,8,9,10,11,12,13],"48":[6,7,8,9,10,11,12,13],"49":[6,7,8,9,10,11,12,13],"5":[5,6,7,8,9,10,11,12,13],"6":[6,7,8,9,10,11,12,13],"7":[6,7,8,9,10,11,12,13],"8":[8,9,10,11,12,13],"9":[9,10,11,12,13]},"46":{"1":[7,8,9],"2":[6,7,8,9,12],"3":[7,8,9],"4":[7,8,9],"5":[8,9],"6":[7,8,9,12],"7":[9],"8":[7,8,9],"9":[7,8,9,10]},"45":{"2":[8],"3":[8],"4":[8],"5":[8],"6":[8],"7":[8],"8":[8],"9":[8]},"47":{"0":[5],"2":[8],"3":[8],"4":[8],"5":[8],"6":[8],"7":[8],"8":[8],"9":[8]},"358":{"1":[5,6,7,8,9,10],"2":[5,6,7,8,9,10],"30":[5,6,7,8,9,10],"31":[5,6,7,8,9,10],"32":[5,6,7,8,9,10],"33":[5,6,7,8,9,10],"34":[5,6,7,8,9,10],"35":[5,6,7,8,9],"36":[5,6,7,8,9,10],"37":[5,6,7,8,9,10],"38":[5,6,7,8,9,10],"39":[5,6,7,8,9,10],"4":[6,7,8,9,10],"5":[5,6,7,8,9,10],"6":[5,6,7,8,9,10],"7":[6,7,8,9,10,11,12],"8":[5,6,7,8,9],"9":[5,6,7,8,9]},"48":{"1":[7,9],"2":[6,7,9],"3":[7,9],"4":[7,9],"5":[7,9],"6":[6,7,8,9],"7":[7,9],"8":[7,9,10],"9":[7,9]},"351":{"169":[9],"2":[9],"30":[9],"6":[9],"7":[9],"8":[9],"9":[9]},"61":{"10":[5,6,7,8,9,10,12],"11":[5,6,7,8,9,10,12],"12":[5,6,7,8,9,10,12],"13":[5,6,7,8,9,10,12],"14":[5,6,7,8,9,10,12],"15":[5,6,7,8,9,10,12],"16":[5,6,7,8,9,10,12],"17":[5,6,7,8,9,10,12],"180":[5,6,7,8,10],"181":[5,6,7,8,10],"182":[5,6,7,8,10],"183":[5,6,7,8],"184":[5,6,7,8,10],"185":[5,6,7,8,10],"186":[5,6,7,8,10],"187":[5,6,7,8,10],"188":[5,6,7,8,10],"189":[5,6,7,8,10],"19":[5,6,7,8,9,10,12],"2":[9],"3":[9],"4":[9],"7":[9],"8":[9]},"64":{"1":[10],"2":[8,9,10],"3":[8],"4":[8],"50":[7,9,10],"60":[8],"61":[8],"62":[8],"63":[8],"65":[8],"66":[8],"67":[8],"68":[8],"69":[8],"7":[8,9],"8":[5,6,7,8,9,10],"9":[8,9,10]},"91":{"000":[13],"1":[8,9,10,11,12,13],"2":[10],"3":[10],"4":[10],"5":[10],"6":[10],"7":[10],"8":[10],"9":[10]},"81":{"000":[8],"001":[8,9,10,11,12,13,14,15,16,17],"002":[8,9,10,11,12,13,14,15,16,17],"003":[8,9,10,11,12,13,14,15,16,17],"004":[8,9,10,11,12,13,14,15,16,17],"005":[8,9,10,11,12,13,14,15,16,17],"006":[8,9,10,11,12,13,14,15,16,17],"007":[8,9,10,11,12,13,14,15,16,17],"008":[8,9,10,11,12,13,14,15,16,17],"009":[8,9,10,11,12,13,14,15,16,17],"1":[9],"2":[9,10],"3":[9],"4":[9],"5":[9,10],"6":[9,10],"7":[9,10],"8":[9,10],"9":[9,10]},"55":{"1":[10,11],"2":[10,11],"3":[8,10,11],"4":[8,10,11],"50":[9,10,11],"51":[9,10,11],"52":[9,10,11],"53":[9,10,11],"54":[9,10,11],"550":[9,10,11],"551":[9,10,11],"552":[9,10,11],"553":[9,10,11],"554":[9,10,11],"555":[9,10],"556":[9,10,11],"557":[9,10,11],"558":[9,10,11],"559":[9,10,11],"56":[9,10,11],"57":[9,10,11],"58":[9,10,11],"59":[9,10,11],"6":[10,11],"7":[10,11],"8":[9,10,11],"9":[9,10,11]},"52":{"2":[10],"3":[10],"4":[10],"5":[10],"6":[10],"7":[10],"8":[10],"9":[10]},"27":{"1":[9],"2":[9],"3":[9],"4":[9],"5":[9],"6":[9],"7":[9],"8":[5,6,7,8,9,10],"9":[9]},"65":{"1":[11],"3":[8],"6":[8],"700":[11],"8":[8,10],"9":[8]}};

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

# . is a traits object (or null) -> {field: value or null (removal)}: per field
# the best-ranked key whose value is null or a non-blank string
def resolve_traits:
  if . == null then {}
  else
    reduce (to_entries[]
            | (.key | trait_slot) as $slot
            | select($slot != null)
            | (if .value == null then null
               elif (.value | type) == "string" then (.value | trimws) else "" end) as $v
            | select($v != "")
            | [$slot[0], $slot[1], $v])
      as [$f, $r, $v]
      ({}; if has($f) and .[$f][0] < $r then . else .[$f] = [$r, $v] end)
    | map_values(.[1])
  end;

# . is a profile's traits; apply resolved changes $c
def apply_traits($c):
  reduce ($c | to_entries[]) as $e (.; if $e.value == null then del(.[$e.key]) else .[$e.key] = $e.value end);

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
def valid_email:
  test("^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$");

# E.164 string -> whether the supported calling codes' table $pp allows it
def phone_allowed($pp):
  .[1:] as $d
  | [range(1; 4) | select($pp[$d[0:.]] != null)] as $n
  | if ($n | length) == 0 then true
    else $pp[$d[0:$n[0]]] as $t | $d[$n[0]:] as $nsn
      | [range(1; 4) | select($t[$nsn[0:.]] != null)] as $depth
      | if ($depth | length) == 0 then false
        else ($t[$nsn[0:$depth[0]]] | index([$nsn | length])) != null end
    end;

# phone: delete space . - ( ) then check simplified E.164
def norm_phone($pp):
  explode | map(select(. != 32 and . != 46 and . != 45 and . != 40 and . != 41)) | implode
  | if test("^\\+[1-9][0-9]{6,14}$") and phone_allowed($pp) then . else null end;

# $tr: traits object, $x: prepared event -> body or null
def body($tr; $x):
  ($tr.email // (if $x.u != null and ($x.u | trimws | ascii_downcase | valid_email)
                 then ($x.u | trimws) else null end)) as $raw
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
               else ($p | norm_phone($x.pp)) as $np
                 | if $np == null then {} else {phone_numbers: [{original_phone_number: $np}]} end
               end)
          + (if $tr.job_title != null and ($tr.job_title | is_honorific | not)
             then {job_title: [{value: $tr.job_title}]} else {} end)
          + (if $x.n == "leadgenerated" and ($x.e.properties | type) == "object" then
               [$x.e.properties.lead_source, $x.e.properties.leadSource
                | select(type == "string") | trimws | select(. != "")]
               | if length > 0 then {description: [{value: .[0]}]} else {} end
             else {} end)
          | {data: {values: .}}
        end
    end;

# --- main -----------------------------------------------------------------
phone_prefixes as $PP
| foreach (inputs
         | select(type == "object")
         | . as $e
         | ((.anonymousId | idstr) // (.anonymous_id | idstr)) as $a
         | ((.userId | idstr) // (.user_id | idstr)) as $u
         | ((if .type == null then .action else .type end)
            | if type == "string" then ascii_downcase else . end) as $type
         | (if $type == "identify" then "identified"
            elif $type == "track" and (.event | type) == "string" then
              (.event | normname) as $n
              | if eligible[$n] and $n != "identified" and $n != "identify" then $n else null end
            else null end) as $name
         | {e: $e, a: $a, u: $u,
            id: ($u // $a),
            p: (if $type == "alias" and $u != null
                then ((.previousId | idstr) // (.previous_id | idstr)) else null end),
            chg: ((if (.context | type) == "object" then .context.traits | nonempty_obj
                   else null end) as $ct
                  | (if $type == "identify" then .traits | nonempty_obj else null end) as $tt
                  | (if $type == "track" and $name != null then .properties | nonempty_obj
                     else null end) as $pt
                  | if $ct == null and $tt == null and $pt == null and .email == null then {}
                    else
                      ($ct | resolve_traits) + ($tt | resolve_traits) + ($pt | resolve_traits)
                      | if has("email") | not then
                          ($e.email | if type == "string" and trimws != "" then {email: trimws}
                                      else {} end) as $te
                          | . + $te
                        else . end
                    end),
            n: $name, pp: $PP}) as $x
  ({out: null};
   .out = null
   | if $x.p != null then link($x.p; $x.u) else . end
   | if $x.a != null and $x.u != null then link($x.a; $x.u) else . end
   | if $x.id != null and ($x.chg | length) > 0 then
       ("p:" + root($x.id)) as $pk
       | .[$pk] = ([(if has($pk) then .[$pk] else {} end) | apply_traits($x.chg)][0])
     else . end
   | if $x.n != null and $x.id != null then
       ("p:" + root($x.id)) as $pk
       | if has($pk) then .out = ([body(.[$pk]; $x)][0]) else . end
     else . end;
   .out // empty)
