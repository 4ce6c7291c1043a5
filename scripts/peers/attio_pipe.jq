# attio_pipe.jq -- jq (1.6+) peer of `attio-pipe build`, used by scripts/benchmark.py.
#
#   jq -c -n -f scripts/peers/attio_pipe.jq < events.ndjson > bodies.ndjson
#
# Same job and same semantics as scripts/peers/attio_pipe_orjson.py (see its
# docstring): identity graph over anonymousId/userId (+ snake_case spellings)
# with alias, trait merging (context.traits then identify traits), eligibility
# (Identified, Signed Up, Lead Generated, Logged In; case/separator-insensitive),
# email validation, name/phone/job_title/description mapping.
#
# State (threaded through `foreach`): {ids, prof, mem, out}
#   ids:  id -> root id, only for ids that were merged into another root
#   prof: root id -> traits object (email, first_name, last_name, name, phone, job_title)
#   mem:  root id -> member ids (only for roots that took part in a link);
#         on a merge the smaller member list is re-pointed to the larger root.
#   out:  the body to emit for the current event, or null
#
# Simplifications compared with attio-pipe (all shared with the Python peer):
#   * phone: simplified E.164 (delete " .-()", keep if ^\+[1-9][0-9]{6,14}$).
#   * email lowercasing and event-name lowercasing are ASCII-only here
#     (`ascii_downcase`); Python lowercases Unicode. Irrelevant for the
#     generated benchmark stream, whose emails and event names are ASCII.
#   * the input must be valid JSON (jq stops at the first syntax error);
#     non-object values are skipped.
#   * ids must be non-empty strings; trait values other than strings/null are
#     ignored.

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

# . is a traits object; merge the recognised traits of $t into it
def merge_traits($t):
  if ($t | type) != "object" or ($t | length) == 0 then .
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

def root($id): .ids[$id] // $id;

# link two ids (and their profiles); traits of $new's side win on conflicts
def link($old; $new):
  root($old) as $ro | root($new) as $rn
  | if $ro == $rn then .
    else
      (.mem[$ro] // [$ro]) as $mo | (.mem[$rn] // [$rn]) as $mn
      | ((.prof[$ro] // {}) + (.prof[$rn] // {})) as $t
      | (if ($mo | length) >= ($mn | length) then [$ro, $rn, $mn] else [$rn, $ro, $mo] end)
          as [$keep, $gone, $moved]
      | .prof[$keep] = $t | del(.prof[$gone])
      | .mem[$keep] = $mo + $mn | del(.mem[$gone])
      | reduce $moved[] as $m (.; .ids[$m] = $keep)
    end;

def valid_email: test("^[^@\\s]+@[^@\\s.]+(\\.[^@\\s.]+)+$");

# phone: delete space . - ( ) then check simplified E.164
def norm_phone:
  explode | map(select(. != 32 and . != 46 and . != 45 and . != 40 and . != 41)) | implode
  | if test("^\\+[1-9][0-9]{6,14}$") then . else null end;

# $tr: traits object, $e: event, $n: normalised event name -> body or null
def body($tr; $e; $n):
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
               (if $full != null then ($full | capture("^(?<f>\\S+)\\s*(?<r>[\\s\\S]*)$")) else {f: "", r: ""} end) as $split
               | {name: [{first_name: ($first // $split.f),
                          last_name: ($last // $split.r),
                          full_name: ($full // (if $first != null and $last != null then $first + " " + $last
                                                else ($first // $last) end))}]}
             end)
          + (($tr.phone // null) as $p
             | if $p == null then {} else ($p | norm_phone) as $np
               | if $np == null then {} else {phone_numbers: [{original_phone_number: $np}]} end end)
          + (if $tr.job_title != null then {job_title: [{value: $tr.job_title}]} else {} end)
          + (if $n == "leadgenerated" and ($e.properties | type) == "object" then
               [$e.properties.lead_source, $e.properties.leadSource
                | select(type == "string") | trimws | select(. != "")]
               | if length > 0 then {description: [{value: .[0]}]} else {} end
             else {} end)
          | {data: {values: .}}
        end
    end;

foreach (inputs | select(type == "object")) as $e
  ({ids: {}, prof: {}, mem: {}, out: null};
   (($e.anonymousId | idstr) // ($e.anonymous_id | idstr)) as $a
   | (($e.userId | idstr) // ($e.user_id | idstr)) as $u
   | $e.type as $ty
   | ($u // $a) as $id
   | .out = null
   | (if $ty == "alias" and $u != null then
        ((($e.previousId | idstr) // ($e.previous_id | idstr))) as $p
        | if $p != null then link($p; $u) else . end
      else . end)
   | (if $a != null and $u != null then link($a; $u) else . end)
   | ($e.context | if type == "object" then .traits else null end) as $ct
   | (if $ty == "identify" then $e.traits else null end) as $tt
   | (if $id != null
         and ((($ct | type) == "object" and ($ct | length) > 0)
              or (($tt | type) == "object" and ($tt | length) > 0)) then
        root($id) as $r
        | .prof[$r] = ((.prof[$r] // {}) | merge_traits($ct) | merge_traits($tt))
      else . end)
   | (if $ty == "identify" then "identified"
      elif $ty == "track" and ($e.event | type) == "string" then ($e.event | normname)
      else null end) as $n
   | if $n != null and $id != null and eligible[$n] then
       (.prof[root($id)] // null) as $tr
       | if $tr == null then . else .out = body($tr; $e; $n) end
     else . end;
   .out // empty)
