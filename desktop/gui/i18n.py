"""Languages of the desktop app: Qt's translator for widget texts, the catalogue for the core's.

Widget texts are written in English in the code (`self.tr(...)`) and translated to Dutch by
`resources/translations/gespreksopname_nl.qm`, made from the `.ts` source with lrelease.
Dutch is the default; English is the second language.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QTranslator

from resources import path as resource_path
from resources.catalogue import text

_state = {"lang": "nl"}
_translators: list[QTranslator] = []


def language() -> str:
    return _state["lang"]


def install(app: QCoreApplication, lang: str) -> bool:
    """Use `lang` ("nl" or "en") for new widgets; False when the Dutch file is missing."""
    for translator in _translators:
        app.removeTranslator(translator)
    _translators.clear()
    _state["lang"] = "en" if lang == "en" else "nl"
    if _state["lang"] == "en":
        return True
    # Qt's own texts (Cancel, Yes, the wizard's Next) come with PySide6.
    qt_base = QTranslator(app)
    if qt_base.load("qtbase_nl", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt_base)
        _translators.append(qt_base)
    translator = QTranslator(app)
    qm = resource_path("translations", "gespreksopname_nl.qm")
    if not translator.load(str(qm)):
        return False
    app.installTranslator(translator)
    _translators.append(translator)
    return True


def core(key: str, **params: object) -> str:
    """A message of the core's catalogue (errors, rule reasons) in the app's language."""
    return text(key, _state["lang"], **params)


def error_text(exc: BaseException) -> str:
    from audio.errors import GespreksError

    if isinstance(exc, GespreksError):
        return exc.message(_state["lang"])
    if isinstance(exc, OSError):
        return core("error.os", path=exc.filename or "-", reason=exc.strerror or str(exc))
    return core("error.generic")
