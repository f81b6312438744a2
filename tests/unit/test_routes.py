"""Every button and form the engine renders names a registered route (bot.routes), and every
route is used: a button naming nothing would answer "I can't find that" to whoever taps it."""

import ast
from pathlib import Path

from bot import routes
from bot.domain.model import Pairing
from bot.flows import lifecycle
from tests.harness import unit_of_work

BOT = Path(__file__).resolve().parents[2] / "bot"


def _calls(name: str):
    """(file, line, the action or form id argument) of every `name(...)` in bot/: a Button's
    or Select's action is its second argument, a Form's id its first."""
    for path in sorted(BOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == name:
                keywords = {k.arg: k.value for k in node.keywords}
                if "url" in keywords:
                    continue  # a link opens an address; nothing comes back to route
                arg = keywords.get("id" if name == "Form" else "action")
                if arg is None and len(node.args) > (0 if name == "Form" else 1):
                    arg = node.args[0 if name == "Form" else 1]
                yield f"{path.name}:{node.lineno}", arg


def test_every_button_the_engine_renders_names_a_registered_action():
    """A button, or a one-choice menu (Select), whose action is a route."""
    literal, computed = set(), []
    for where, arg in [*_calls("Button"), *_calls("Select")]:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            literal.add((arg.value, where))
        else:
            computed.append(where)
    assert literal, "the engine renders buttons"
    missing = sorted(
        f"{action} ({where})" for action, where in literal if action not in routes.ACTIONS
    )
    assert not missing, f"buttons naming no route: {missing}"
    # The one computed action: lifecycle.choose picks it from its table.
    assert [w.split(":")[0] for w in computed] == ["lifecycle.py"], computed
    for action, _states in lifecycle.ACTIONS.values():
        assert action in routes.ACTIONS
    used = {action for action, _ in literal} | {a for a, _ in lifecycle.ACTIONS.values()}
    assert set(routes.ACTIONS) == used, "a registered action no button names"


def test_every_form_the_engine_renders_is_registered():
    ids = set()
    for where, arg in _calls("Form"):
        # A literal, or a choice between literals (the booking form, which also moves).
        choices = [arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg]
        for choice in choices:
            assert isinstance(choice, ast.Constant), f"a form id computed at {where}"
            ids.add(choice.value)
    assert ids == set(routes.FORMS)


async def test_buttons_for_one_person_answer_only_that_person(harness):
    """In a chat shared by the pair, each person's Accept is theirs alone: the engine says
    whose buttons they are to anyone else, and nothing changes."""
    from bot.domain.events import ActionClicked
    from bot.domain.messages import NotYours
    from bot.domain.model import Pairing, PairingStatus
    from tests.harness import ERIK, MINA

    program = await harness.program()
    pairing = await harness.pairing(program, MINA, ERIK)
    click = ActionClicked(
        "console",
        "click-1",
        MINA,
        action="pairing.accept",
        value=str(pairing.id),
        for_person=ERIK.handle,
    )
    assert await harness.engine.handle(click) == NotYours(ERIK.handle)
    async with unit_of_work(harness.store) as tx:
        unchanged = await tx.get(Pairing, pairing.id)
    assert unchanged.mentor_consent is None and unchanged.status == PairingStatus.PROPOSED
    own = ActionClicked(
        "console",
        "click-2",
        ERIK,
        action="pairing.accept",
        value=str(pairing.id),
        for_person=ERIK.handle,
    )
    assert not isinstance(await harness.engine.handle(own), NotYours)


def test_every_route_handler_is_a_named_flow_taking_ctx_person_and_the_request():
    """No adapters in the route table: each handler is a flow's own function, and its
    signature is the router's one."""
    import inspect

    tables = {"action": routes.ACTIONS, "form": routes.FORMS, "command": routes.COMMANDS}
    for kind, table in tables.items():
        for name, found in table.items():
            handler = found.handler
            where = f"{kind} {name}: {handler.__qualname__}"
            assert "<lambda>" not in handler.__qualname__, where
            assert handler.__module__.startswith("bot."), where
            params = list(inspect.signature(handler).parameters)
            assert params[:2] == ["ctx", "person"] and len(params) == 3, (where, params)
            assert params[2].lstrip("_") == "req", (where, params)
            if found.who == routes.OWNER:  # its program: found, or the pair's it names
                named = found.loads is Pairing and found.program is None
                assert named or found.loads is None, f"{where}: an owners' tool finds its program"
