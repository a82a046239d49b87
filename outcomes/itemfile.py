"""A questionnaire's item file: read, checked against its scoring rule, with clear errors.

The format is documented in docs/outcomes.md. Pure: takes the parsed JSON, returns an
`ItemFile` or raises `ItemFileError` listing every problem found (not only the first), so a
clinic fixing the file it was given sees them all at once.
"""

from dataclasses import dataclass

from .scoring import RULES, Rule

FORMAT = 1
TEXT_LIMIT = 2000


class ItemFileError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Item:
    text: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class ItemFile:
    rule: Rule
    version_label: str
    name: str
    language: str
    instructions: str
    copyright: str
    activity_prompt: str
    items: tuple[Item, ...]

    def content(self) -> dict:
        """What is stored and compared: a change in any of it makes a new version."""
        return {
            "version_label": self.version_label,
            "name": self.name,
            "language": self.language,
            "instructions": self.instructions,
            "copyright": self.copyright,
            "activity_prompt": self.activity_prompt,
            "items": [{"text": item.text, "options": list(item.options)} for item in self.items],
        }


def _text(data: dict, key: str, problems: list[str], *, required: bool, where: str = "") -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        problems.append(f"{where}“{key}” must be text.")
        return ""
    value = value.strip()
    if required and not value:
        problems.append(f"{where}“{key}” is missing or empty.")
    if len(value) > TEXT_LIMIT:
        problems.append(f"{where}“{key}” is longer than {TEXT_LIMIT} characters.")
    return value


def item_file_parse(data) -> ItemFile:
    """Check a parsed item file against the rule its `code` names; ItemFileError if it does not fit."""
    if not isinstance(data, dict):
        raise ItemFileError(["The file must be a JSON object ({ … })."])
    problems: list[str] = []
    if data.get("format") != FORMAT:
        problems.append(f"“format” must be {FORMAT} (this is the only format BackCare reads).")
    code = data.get("code")
    rule = RULES.get(code) if isinstance(code, str) else None
    if rule is None:
        known = ", ".join(sorted(RULES))
        raise ItemFileError([*problems, f"“code” must name a scoring rule BackCare has: one of {known}."])
    version_label = _text(data, "version_label", problems, required=True)
    name = _text(data, "name", problems, required=True)
    language = _text(data, "language", problems, required=True)
    instructions = _text(data, "instructions", problems, required=True)
    copyright_ = _text(data, "copyright", problems, required=rule.copyright_required)
    activity_prompt = _text(data, "activity_prompt", problems, required=rule.activities)
    items_data = data.get("items")
    items = []
    if not isinstance(items_data, list):
        problems.append("“items” must be a list of questions.")
    elif len(items_data) != len(rule.options):
        problems.append(f"{rule.name} has {len(rule.options)} item(s); the file has {len(items_data)}.")
    else:
        for number, (item, count) in enumerate(zip(items_data, rule.options, strict=True), start=1):
            where = f"Item {number}: "
            if not isinstance(item, dict):
                problems.append(f"{where}must be an object with “text” and “options”.")
                continue
            text = _text(item, "text", problems, required=True, where=where)
            options = item.get("options")
            if not isinstance(options, list) or not all(isinstance(o, str) and o.strip() for o in options):
                problems.append(f"{where}“options” must be a list of non-empty texts.")
                continue
            if len(options) != count:
                problems.append(
                    f"{where}{rule.name} scores {count} options here; the file has {len(options)}."
                )
                continue
            items.append(Item(text, tuple(option.strip() for option in options)))
    unknown = set(data) - {
        "format",
        "code",
        "version_label",
        "name",
        "language",
        "instructions",
        "copyright",
        "activity_prompt",
        "items",
    }
    if unknown:
        problems.append(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    if problems:
        raise ItemFileError(problems)
    return ItemFile(
        rule=rule,
        version_label=version_label,
        name=name,
        language=language,
        instructions=instructions,
        copyright=copyright_,
        activity_prompt=activity_prompt,
        items=tuple(items),
    )
