#!/usr/bin/env python3
"""Regenerate fixtures/phones/libphonenumber.tsv, the golden table for PhoneNumberNormalizer.

Dev-time only: the Swift tests read the TSV and never need this script or its dependency.

    python3 -m venv /tmp/phv && /tmp/phv/bin/pip install phonenumbers
    /tmp/phv/bin/python scripts/gen_phone_fixture.py > fixtures/phones/libphonenumber.tsv

Columns: default region (empty = none), raw input, libphonenumber's answer, note. The answer is
format_number(parse(raw, region), E164) when is_possible_number() holds and, for the calling
codes of supported regions, the national number matches the general_desc pattern of the calling
code's main region (its leading-digit and length rules, see scripts/phone_prefixes.py); empty
when parsing fails or the number is not possible. The note is empty, or "ours=<E.164 or empty>: reason" for
the few inputs where the normaliser deliberately differs (see OVERRIDES); the test then expects
"ours". The script refuses to write an override that libphonenumber no longer disagrees with.
"""

import os
import re
import sys

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumberFormat, PhoneNumberType

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from phone_prefixes import CALLING_CODE_REGIONS  # noqa: E402

MAIN_REGION = {PhoneMetadata.metadata_for_region(r).country_code: r for r in CALLING_CODE_REGIONS}

NANP = ("US CA PR AG AI AS BB BM BS DM DO GD GU JM KN KY LC MP MS SX TC TT VC VG VI").split()
OTHERS = ("GB IE DE FR ES IT NL BE CH AT SE DK NO FI PL PT AU NZ IN JP BR MX ZA SG").split()

# How a caller in a region dials abroad, for "IDD" inputs (the first of each region's prefixes).
IDD = {"US": "011", "CA": "011", "AU": "0011", "JP": "010", "SG": "001", "BR": "0021",
       "NZ": "0161", "FI": "990", "MX": "00"}

# Deliberate differences, keyed by (region, raw): (our answer, why). Keep this short.
OVERRIDES = {
    # "00" starts an international number whatever the default region (product rule); for
    # libphonenumber only the region's own prefix does (011 in NANP), and without a default
    # region it refuses every number that does not start with "+".
    ("US", "0044 20 7946 0958"): ("+442079460958", "00 is an international prefix everywhere"),
    ("", "0044 20 7946 0958"): ("+442079460958", "00 is an international prefix, no region needed"),
    ("BR", "00 44 20 7946 0958"): ("+442079460958", "00 without a carrier code is accepted in BR"),
    # Letters: libphonenumber converts vanity numbers and skips leading text such as "tel:".
    # The product rule refuses any letter that is not an extension marker.
    ("US", "1-800-FLOWERS"): ("", "letters are refused, no vanity-number conversion"),
    # E.164 allows 15 digits; libphonenumber's possible lengths for Germany reach 15 national
    # digits, so it formats a 16-digit "+49...". We cap at 15 digits in all.
    ("DE", "+49 30 123456789012"): ("", "more than 15 digits"),
    # Calling codes outside the supported regions only get the E.164 bounds: libphonenumber
    # knows Russia's numbers have 10 digits.
    ("US", "+7 912 345 678"): ("+7912345678", "no length table for calling code 7"),
    # (Numbers starting with the region's own calling code and no "+", in regions without a
    # trunk prefix: "390212345678" with default IT and "6561234567" with default SG used to be
    # read nationally by us; the leading-digit rules now refuse those national readings, so we
    # agree with libphonenumber and they are ordinary rows.)
    # The other side of that rule: where the region has a trunk prefix, national numbers are
    # written with it, so we read "468123456" as +46 8123456 (the generator built it from that
    # number); libphonenumber's patterns accept it as a 9-digit national number.
    ("SE", "468123456"): ("+468123456", "trunk prefix region: calling-code reading wins"),
}


def known_difference(raw, region):
    """Whether libphonenumber's answer falls in a class of deliberate differences that the
    OVERRIDES above already document, so that a generated variant in it is left out rather than
    piling up overrides: a local-only length, or a trunk prefix kept in the national number."""
    try:
        number = phonenumbers.parse(raw, region or None)
    except phonenumbers.NumberParseException:
        return False
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason == phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
        return True
    main_region = phonenumbers.region_code_for_country_code(number.country_code)
    metadata = PhoneMetadata.metadata_for_region(main_region)
    trunk = metadata.national_prefix if metadata else None
    return (reason == phonenumbers.ValidationResult.IS_POSSIBLE and bool(trunk)
            and nsn(number).startswith(trunk))


def libphonenumber(raw, region):
    try:
        number = phonenumbers.parse(raw, region or None)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    main = MAIN_REGION.get(number.country_code)
    if main is not None:
        pattern = PhoneMetadata.metadata_for_region(main).general_desc.national_number_pattern
        if not re.fullmatch(pattern, nsn(number)):
            return ""
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


rows = []
skipped = []


def add(region, raw, generated=False):
    assert "\t" not in raw and "\n" not in raw, raw
    if (region, raw) in rows or (region, raw) in skipped:
        return
    if generated and (region, raw) not in OVERRIDES and known_difference(raw, region):
        skipped.append((region, raw))
        return
    rows.append((region, raw))


def variant(region, raw):
    """A generated input, left out when it falls in a documented class of differences."""
    add(region, raw, generated=True)


def example(region, kind):
    return phonenumbers.example_number_for_type(region, kind)


def nsn(number):
    return phonenumbers.national_significant_number(number)


def add_region_variants(region):
    """Fixed line: national, international, digits only, JSON number, 00 and IDD from abroad,
    the (0) habit, too short, too long. Mobile: national, E.164 from the US, IDD from Japan."""
    calling_code = str(PhoneMetadata.metadata_for_region(region).country_code)
    trunk = PhoneMetadata.metadata_for_region(region).national_prefix
    fixed = example(region, PhoneNumberType.FIXED_LINE)
    national = phonenumbers.format_number(fixed, PhoneNumberFormat.NATIONAL)
    international = phonenumbers.format_number(fixed, PhoneNumberFormat.INTERNATIONAL)
    variant(region, national)
    variant("", international)
    variant(region, "".join(c for c in national if c.isdigit()))
    variant(region, calling_code + nsn(fixed))  # a JSON number: calling code without "+"
    variant("DE" if region != "DE" else "FR", "00" + calling_code + " " + nsn(fixed))
    variant("US", IDD["US"] + " " + calling_code + " " + nsn(fixed))
    if trunk == "0":
        variant("", "+" + calling_code + " (0)" + nsn(fixed))
    variant(region, national[:-2])  # too short, or still possible: libphonenumber decides
    variant("", international + "567")  # too long, likewise
    mobile = example(region, PhoneNumberType.MOBILE)
    if mobile is not None and nsn(mobile) != nsn(fixed):
        variant(region, phonenumbers.format_number(mobile, PhoneNumberFormat.NATIONAL))
        variant("US", phonenumbers.format_number(mobile, PhoneNumberFormat.E164))
        origin = "JP" if region != "JP" else "AU"
        variant(origin, IDD[origin] + " " + calling_code + " " + nsn(mobile))


def add_nanp_variants(region):
    """US, CA and PR get four forms; the Caribbean members two, they differ only in area code."""
    number = example(region, PhoneNumberType.FIXED_LINE)
    digits = nsn(number)
    variant(region, phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL))
    variant(region, "1" + digits)
    if region in ("US", "CA", "PR"):
        variant(region, phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL))
        variant(region, digits[:3] + "." + digits[3:6] + "." + digits[6:])


for region in NANP:
    add_nanp_variants(region)
for region in OTHERS:
    add_region_variants(region)

# Hand-written inputs: seeds from the product issue, habits seen in CRM data, extensions, junk.
HAND_WRITTEN = [
    ("", "+1 555 867 5309"), ("US", "+1 555 867 5309"), ("US", "15558675309"),
    ("US", "5558675309"), ("US", "(555) 867-5309"), ("US", "1 (555) 867-5309"),
    ("US", "555.867.5309"), ("US", "+1-555-867-5309"), ("US", "  555 867 5309  "),
    ("US", "555\u00a0867\u00a05309"), ("US", "(+1) 555 867 5309"),
    ("US", "+1 555 867 5309 x23"), ("US", "+1 555 867 5309 X23"),
    ("US", "+1 555 867 5309 ext. 23"), ("US", "+1 555 867 5309 ext23"),
    ("US", "+1 555 867 5309 extension 23"), ("US", "+1 555 867 5309 #23"),
    ("US", "+1-555-867-5309;ext=23"), ("US", "555.867.5309 Ext 23"),
    ("US", "555-867-5309 EXT. 1234"), ("GB", "020 7946 0958 ext 12"),
    ("DE", "030 123456-78"), ("US", "011 44 20 7946 0958"), ("US", "011 49 30 123456"),
    ("US", "+44 20 7946 0958"), ("US", "+44 7700 900123"), ("US", "+33 1 23 45 67 89"),
    ("US", "+61 2 9876 5432"), ("US", "+81 3-1234-5678"), ("US", "+49 30 123456"),
    ("", "+44 (0)20 7946 0958"), ("", "+44 020 7946 0958"), ("", "+44 (0) 7700 900123"),
    ("GB", "+44 (0)20 7946 0958"), ("GB", "0044 (0)20 7946 0958"), ("GB", "020 7946 0958"),
    ("GB", "07700 900123"), ("GB", "07700900123"), ("GB", "447700900123"),
    ("GB", "442079460958"), ("GB", "020 7946 095"), ("GB", "020 7946 09581"),
    ("IT", "+39 06 6982 1234"), ("IT", "06 6982 1234"), ("IT", "0039 06 6982 1234"),
    ("", "+39 06 6982 1234"), ("", "+39 (0)6 6982 1234"), ("IT", "+39 347 123 4567"),
    ("IT", "347 123 4567"), ("FR", "+33 (0)1 23 45 67 89"), ("FR", "01.23.45.67.89"),
    ("FR", "06 12 34 56 78"), ("FR", "0033 6 12 34 56 78"), ("DE", "+49 (0)30 123456"),
    ("DE", "(030) 123456"), ("DE", "030/123456"), ("DE", "0151 23456789"),
    ("NL", "+31 (0)20 123 4567"), ("NL", "020-123 4567"), ("BE", "+32 (0)2 123 45 67"),
    ("CH", "+41 (0)44 123 45 67"), ("CH", "044 123 45 67"), ("AT", "+43 (0)1 234567890"),
    ("SE", "08-123 456 78"), ("SE", "+46 (0)8 123 456 78"), ("DK", "32 12 34 56"),
    ("DK", "+45 32 12 34 56"), ("NO", "21 23 45 67"), ("NO", "0047 21 23 45 67"),
    ("FI", "09 1234567"), ("FI", "00 358 9 1234567"), ("FI", "990 44 20 7946 0958"),
    ("FI", "99511 44 20 7946 0958"), ("PL", "12 345 67 89"), ("PL", "+48 512 345 678"),
    ("PT", "912 345 678"), ("PT", "+351 21 234 5678"), ("ES", "912 34 56 78"),
    ("ES", "+34 612 34 56 78"), ("IE", "01 234 5678"), ("IE", "+353 (0)1 234 5678"),
    ("IE", "087 123 4567"), ("AU", "(02) 9876 5432"), ("AU", "0412 345 678"),
    ("AU", "+61 (0)412 345 678"), ("AU", "61412345678"), ("AU", "0011 44 20 7946 0958"),
    ("AU", "0014 44 20 7946 0958"), ("NZ", "09 123 4567"), ("NZ", "021 123 4567"),
    ("NZ", "0161 44 20 7946 0958"), ("NZ", "00 44 20 7946 0958"), ("IN", "098765 43210"),
    ("IN", "98765 43210"), ("IN", "+91 98765 43210"), ("IN", "0091 98765 43210"),
    ("JP", "03-1234-5678"), ("JP", "090-1234-5678"), ("JP", "010 44 20 7946 0958"),
    ("JP", "+81 (0)3-1234-5678"), ("BR", "(11) 91234-5678"), ("BR", "0 21 11 91234 5678"),
    ("BR", "0 11 2345 6789"), ("BR", "00 21 44 20 7946 0958"), ("BR", "+55 11 91234 5678"),
    ("MX", "55 1234 5678"), ("MX", "+52 55 1234 5678"), ("MX", "00 44 20 7946 0958"),
    ("MX", "09 44 20 7946 0958"), ("ZA", "021 123 4567"), ("ZA", "+27 (0)21 123 4567"),
    ("ZA", "082 123 4567"), ("SG", "6123 4567"), ("SG", "+65 6123 4567"),
    ("SG", "001 44 20 7946 0958"), ("SG", "019 44 20 7946 0958"),
    # Other calling codes: only the E.164 bounds apply.
    ("US", "+7 912 345 6789"), ("US", "+86 138 0013 8000"), ("US", "+353 1 234 5678"),
    ("US", "+683 1234"), ("US", "+972 50 123 4567"), ("", "+971 50 123 4567"),
    ("", "+852 2123 4567"), ("", "+90 212 123 45 67"),
    # Refused: junk, missing digits, no calling code, invalid calling code.
    ("US", "abc"), ("US", "n/a"), ("US", "12"), ("US", "+1"), ("US", "+"),
    ("", "5558675309"), ("", "020 7946 0958"), ("US", "+0 555 867 5309"),
    ("US", "+999 1234 5678"), ("US", "555 867 5309 / 5310"), ("US", "+1 555 867 53091"),
    ("US", "+1 555 867 530"), ("GB", "+44 20 7946 09581234"), ("GB", "+44 20 7"),
    ("FR", "+33 1 23 45 67 8"), ("FR", "+33 1 23 45 67 890"), ("DE", "+49 3"),
    ("ES", "+34 912 34 56 7"), ("ES", "+34 912 34 56 789"), ("DK", "+45 32 12 34 5"),
    ("PT", "+351 21 234 567"), ("MX", "+52 55 1234 567"), ("MX", "+52 55 1234 56789"),
    ("BE", "+32 2 123 45"), ("CH", "+41 44 123 45 6"), ("US", "+1 (555) 867"),
    ("AU", "+61 2 9876 54"), ("NZ", "+64 9 123"), ("BR", "+55 11 9123"), ("ZA", "+27 21 123"),
    ("SG", "+65 6123 456"), ("NO", "+47 21 23 45 6"), ("PL", "+48 12 345"),
    ("US", "none"), ("US", "-"), ("US", "0"), ("GB", "0"), ("US", "()"), ("US", "ext 23"),
    ("US", "call me"), ("", "+"), ("", "00"), ("US", "+1 555 867 5309 ext"), ("US", "867-5309"),
    ("GB", "0123456"), ("IT", "390212345678"), ("SG", "6561234567"),
    # Refused by the leading-digit rules (issue: only the length used to be checked).
    ("US", "030 1234567"), ("US", "01 23 45 67 89"), ("US", "(012) 345-6789"),
    ("US", "+1 123 456 7890"), ("GB", "555-2671"), ("GB", "0455 123 4567"),
    ("GB", "+44 60 1234 5678"), ("", "+44 4123 456789"), ("FR", "00 12 34 56 78"),
    ("FR", "+33 0 12 34 56 78"), ("ES", "012 34 56 78"), ("ES", "+34 512 34 56 78"),
    ("DE", "+49 0301234567"), ("PT", "+351 12 345 6789"), ("PT", "512 345 678"),
    ("MX", "+52 05 1234 5678"), ("AU", "+61 0 9876 5432"), ("AU", "0512 345 678"),
    ("NZ", "+64 0 123 4567"), ("IN", "+91 0876 543 210"), ("IN", "18765 43210"),
    ("BR", "+55 01 91234 5678"), ("ZA", "+27 01 123 4567"), ("SG", "+65 5123 4567"),
    ("SG", "2123 4567"), ("DK", "+45 01 23 45 67"), ("NO", "+47 01 23 45 67"),
    ("CH", "+41 04 123 45 67"), ("BE", "+32 01 23 45 67"), ("JP", "+81 0 1234 5678"),
]
for region, raw in HAND_WRITTEN:
    add(region, raw)
for region, raw in OVERRIDES:
    add(region, raw)

out = sys.stdout
out.write("# Generated by scripts/gen_phone_fixture.py with phonenumbers %s; do not edit.\n"
          % phonenumbers.__version__)
out.write("# default_region\traw\tlibphonenumber\tnote\n")
for region, raw in rows:
    answer = libphonenumber(raw, region)
    note = ""
    if (region, raw) in OVERRIDES:
        ours, why = OVERRIDES[(region, raw)]
        if ours == answer:
            sys.exit("stale override, libphonenumber agrees now: %r %r" % (region, raw))
        note = "ours=%s: %s" % (ours, why)
    out.write("%s\t%s\t%s\t%s\n" % (region, raw, answer, note))
print("%d rows, %d overrides, %d generated variants skipped as known differences"
      % (len(rows), len(OVERRIDES), len(skipped)), file=sys.stderr)
