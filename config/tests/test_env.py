"""Typed readers of the environment: each refusal names the variable and the bad value."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import EnvError, env_bool, env_choice, env_int, env_list, env_str


def test_an_env_error_is_an_improperly_configured_error_so_django_reports_it():
    assert issubclass(EnvError, ImproperlyConfigured)


@pytest.mark.parametrize(
    "read",
    [
        lambda env: env_str("PONT_TEST_VALUE", environ=env),
        lambda env: env_bool("PONT_TEST_VALUE", environ=env),
        lambda env: env_int("PONT_TEST_VALUE", environ=env),
        lambda env: env_list("PONT_TEST_VALUE", environ=env),
        lambda env: env_choice("PONT_TEST_VALUE", ("a", "b"), environ=env),
    ],
    ids=["str", "bool", "int", "list", "choice"],
)
def test_a_missing_required_variable_is_refused_by_name(read):
    with pytest.raises(EnvError, match="PONT_TEST_VALUE is required"):
        read({"SOMETHING_ELSE": "1"})


def test_the_given_mapping_is_read_instead_of_the_process_environment(monkeypatch):
    monkeypatch.setenv("PONT_TEST_VALUE", "from the process")
    assert env_str("PONT_TEST_VALUE", environ={"PONT_TEST_VALUE": "from the mapping"}) == (
        "from the mapping"
    )
    with pytest.raises(EnvError):
        env_str("PONT_TEST_VALUE", environ={})


def test_the_process_environment_is_read_when_no_mapping_is_given(monkeypatch):
    monkeypatch.setenv("PONT_TEST_VALUE", "from the process")
    assert env_str("PONT_TEST_VALUE") == "from the process"


# env_str


def test_env_str_returns_the_value_unchanged():
    assert env_str("NAME", environ={"NAME": "  spaced  "}) == "  spaced  "


def test_env_str_returns_the_default_when_the_variable_is_not_set():
    assert env_str("NAME", "fallback", environ={}) == "fallback"


def test_env_str_keeps_an_empty_value_that_is_set():
    assert env_str("NAME", "fallback", environ={"NAME": ""}) == ""


def test_env_str_accepts_a_value_exactly_as_long_as_the_minimum():
    assert env_str("SECRET", min_length=5, environ={"SECRET": "abcde"}) == "abcde"


def test_env_str_refuses_a_value_shorter_than_the_minimum_saying_how_long_it_is():
    with pytest.raises(EnvError, match=r"SECRET must be at least 5 characters long \(it has 4\)"):
        env_str("SECRET", min_length=5, environ={"SECRET": "abcd"})


def test_env_str_applies_the_minimum_length_to_the_default_too():
    with pytest.raises(EnvError, match="SECRET must be at least 5"):
        env_str("SECRET", "abc", min_length=5, environ={})


def test_env_str_refuses_a_default_that_is_not_text():
    with pytest.raises(EnvError, match="NAME must be text"):
        env_str("NAME", 42, environ={})


# env_bool


@pytest.mark.parametrize(
    "value", ["1", "true", "TRUE", "True", "yes", "YES", "Yes", "on", "ON", " on ", "tRuE"]
)
def test_env_bool_reads_true_in_any_case(value):
    assert env_bool("FLAG", environ={"FLAG": value}) is True


@pytest.mark.parametrize(
    "value", ["0", "false", "FALSE", "False", "no", "NO", "No", "off", "OFF", " off ", ""]
)
def test_env_bool_reads_false_in_any_case(value):
    assert env_bool("FLAG", environ={"FLAG": value}) is False


@pytest.mark.parametrize("value", ["maybe", "2", "y", "n", "enabled", "truee"])
def test_env_bool_refuses_anything_else_naming_the_variable_and_the_value(value):
    with pytest.raises(EnvError) as caught:
        env_bool("FLAG", environ={"FLAG": value})
    assert "FLAG" in str(caught.value)
    assert repr(value) in str(caught.value)


def test_env_bool_returns_the_default_when_the_variable_is_not_set():
    assert env_bool("FLAG", True, environ={}) is True
    assert env_bool("FLAG", False, environ={}) is False


def test_env_bool_prefers_a_set_value_to_the_default():
    assert env_bool("FLAG", True, environ={"FLAG": "off"}) is False


# env_int


def test_env_int_reads_a_whole_number_with_surrounding_spaces():
    assert env_int("WORKERS", environ={"WORKERS": " 8 "}) == 8


def test_env_int_reads_a_negative_number():
    assert env_int("OFFSET", environ={"OFFSET": "-3"}) == -3


def test_env_int_returns_the_default_when_the_variable_is_not_set():
    assert env_int("WORKERS", 4, environ={}) == 4


@pytest.mark.parametrize("value", ["eight", "8.5", "", "1e3", "0x10"])
def test_env_int_refuses_a_value_that_is_not_a_whole_number(value):
    with pytest.raises(EnvError) as caught:
        env_int("WORKERS", environ={"WORKERS": value})
    assert "WORKERS must be a whole number" in str(caught.value)
    assert repr(value) in str(caught.value)


def test_env_int_accepts_values_on_the_bounds():
    env = {"LOW": "1", "HIGH": "10"}
    assert env_int("LOW", minimum=1, maximum=10, environ=env) == 1
    assert env_int("HIGH", minimum=1, maximum=10, environ=env) == 10


def test_env_int_refuses_a_value_below_the_minimum():
    with pytest.raises(EnvError, match=r"WORKERS must be at least 1 \(got 0\)"):
        env_int("WORKERS", minimum=1, environ={"WORKERS": "0"})


def test_env_int_refuses_a_value_above_the_maximum():
    with pytest.raises(EnvError, match=r"WORKERS must be at most 10 \(got 11\)"):
        env_int("WORKERS", maximum=10, environ={"WORKERS": "11"})


def test_env_int_checks_the_bounds_of_the_default_too():
    with pytest.raises(EnvError, match="WORKERS must be at least 1"):
        env_int("WORKERS", 0, minimum=1, environ={})


# env_list


def test_env_list_splits_on_commas_and_trims_each_item():
    value = " pont.example , www.pont.example,api.pont.example "
    assert env_list("HOSTS", environ={"HOSTS": value}) == [
        "pont.example",
        "www.pont.example",
        "api.pont.example",
    ]


def test_env_list_drops_empty_items():
    assert env_list("HOSTS", environ={"HOSTS": "a,, ,b,"}) == ["a", "b"]


def test_env_list_of_an_empty_value_is_an_empty_list_when_allowed():
    assert env_list("HOSTS", environ={"HOSTS": " , "}) == []


@pytest.mark.parametrize("value", ["", " ", ",", " , ,"])
def test_env_list_refuses_an_empty_list_when_empty_is_not_allowed(value):
    with pytest.raises(EnvError, match="HOSTS must list at least one value"):
        env_list("HOSTS", allow_empty=False, environ={"HOSTS": value})


def test_env_list_returns_a_list_default_when_the_variable_is_not_set():
    assert env_list("HOSTS", ["localhost"], environ={}) == ["localhost"]


def test_env_list_refuses_an_empty_default_when_empty_is_not_allowed():
    with pytest.raises(EnvError, match="HOSTS must list at least one value"):
        env_list("HOSTS", [], allow_empty=False, environ={})


# env_choice


def test_env_choice_returns_a_value_that_is_one_of_the_choices():
    choices = ("local", "test", "production")
    assert env_choice("DEPLOYMENT", choices, environ={"DEPLOYMENT": "production"}) == "production"


def test_env_choice_returns_the_default_when_the_variable_is_not_set():
    assert env_choice("DEPLOYMENT", ("local", "production"), "local", environ={}) == "local"


@pytest.mark.parametrize("value", ["staging", "Production", " production", ""])
def test_env_choice_refuses_any_other_value_listing_the_choices(value):
    with pytest.raises(EnvError) as caught:
        env_choice("DEPLOYMENT", ("local", "production"), environ={"DEPLOYMENT": value})
    message = str(caught.value)
    assert "DEPLOYMENT must be one of local, production" in message
    assert repr(value) in message
