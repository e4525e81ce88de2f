"""Phone rules, exercised with the real-world numbers in ../shared/samples/."""
import pytest

from contacts import phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+1 202-555-0143", "+12025550143"),
        ("(202) 555-0143", "+12025550143"),
        ("1 (202) 555-0188", "+12025550188"),
        ("tel:+1-202-555-0110", "+12025550110"),  # Google's tel: URI
        ("'+12025550191", "+12025550191"),  # Excel's text prefix
        ("+1 202-555-0143 ext. 12", "+12025550143"),  # extension dropped from E.164
        ("+49 (0)30 23125 456", "+493023125456"),  # trunk zero in brackets
        ("+44 161 496 0123", "+441614960123"),
        ("1-800-555-0199", "+18005550199"),
    ],
)
def test_parses_sample_numbers_to_e164(raw, expected):
    assert phone.normalize(raw) == expected


def test_extension_is_kept_in_details():
    info = phone.parse_phone("+1 202-555-0143 ext. 12")
    assert info.extension == "12"


@pytest.mark.parametrize(
    ("raw", "reason_fragment"),
    [
        ("555-1234", "US"),  # 7 digits: local only, needs an area code
        ("+1 (999) 555-0100", "Not a valid number"),  # no such area code
        ("1.20255E+10", "scientific notation"),  # Excel mangled the digits
        ("n/a", "Not a phone number"),
        ("12345", ""),
        ("+46 8 123", "Too short"),
        ("", "No phone number"),
    ],
)
def test_rejects_with_a_reason(raw, reason_fragment):
    info = phone.parse_phone(raw)
    assert not info.is_valid
    assert info.e164 is None
    assert reason_fragment in info.error
    with pytest.raises(phone.PhoneError):
        phone.normalize(raw)


def test_local_numbers_need_the_right_default_country():
    assert not phone.parse_phone("030 23125463").is_valid  # German local number, US default
    assert phone.normalize("030 23125463", default_country="DE") == "+493023125463"
    assert phone.normalize("0491 570 156", default_country="US", country_hint="Australia") == "+61491570156"


@pytest.mark.parametrize(
    ("hint", "code"),
    [("Germany", "DE"), ("United Kingdom", "GB"), ("united states", "US"), ("DE", "DE"), ("UK", "GB"),
     ("Deutschland", "DE"), ("Australia", "AU"), ("France", "FR"), ("Atlantis", None), ("", None)],
)
def test_country_column_values_resolve(hint, code):
    assert phone.resolve_country(hint) == code


def test_unknown_country_hint_falls_back_to_default():
    assert phone.normalize("(617) 555-0147", country_hint="Atlantis") == "+16175550147"


def test_lenient_mode_accepts_right_length_numbers_the_library_calls_invalid():
    drama_range = "+44 7700 900123"  # Ofcom drama range: right length, not assigned
    assert not phone.parse_phone(drama_range).is_valid
    info = phone.parse_phone(drama_range, mode=phone.LENIENT)
    assert info.is_valid and info.e164 == "+447700900123"
    assert not phone.parse_phone("+46 8 123", mode=phone.LENIENT).is_valid  # still too short


def test_details_of_a_number():
    info = phone.parse_phone("(415) 555-0166")
    assert info.e164 == "+14155550166"
    assert info.national == "(415) 555-0166"
    assert info.international == "+1 415-555-0166"
    assert info.region == "US" and info.country_code == 1 and info.area_code == "415"
    assert info.timezones == ("America/Los_Angeles",)
    assert info.number_type in {"fixed_line_or_mobile", "mobile", "fixed_line"}


def test_several_numbers_in_one_cell_first_valid_wins():
    chosen, rejected = phone.first_acceptable(["555-1234 ::: +1 202-555-0175", "+1 415-555-0166"])
    assert chosen.e164 == "+12025550175"
    assert [r.original for r in rejected] == ["555-1234"]


def test_display_is_national_at_home_international_abroad():
    assert phone.display("+14155550166", "US") == "(415) 555-0166"
    assert phone.display("+493023125456", "US") == "+49 30 23125456"
    assert phone.display("+493023125456", "DE") == "030 23125456"


def test_digits_for_search():
    assert phone.digits("(415) 555") == "415555"
    assert phone.digits("+1 415…") == "1415"


def test_country_names_file_matches_the_geocoder():
    """contacts/data/country_names.json is generated from phonenumbers' geocoder (kept out of memory)."""
    import phonenumbers
    from phonenumbers import geocoder

    from contacts.phone import region_display_names

    names = region_display_names()
    assert set(names) == set(phonenumbers.SUPPORTED_REGIONS)
    for region, by_lang in names.items():
        for lang, name in by_lang.items():
            assert geocoder._region_display_name(region, lang) == name, (region, lang)
