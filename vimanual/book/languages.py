"""A language edition of the manual: the workspace as the build sees it in one language.

``language_view`` replaces each chapter by its translation where there is one (a stale
one too, with a warning), and either keeps the source chapter under a "not yet translated"
banner or leaves it out; the manual's language, marking and the book's own words
(``labels``) follow the language. The state of each translation comes from vimanual.status
(through the API): this module derives nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vimanual.base.errors import Problem, UnknownName
from vimanual.workspace.load import Workspace, translated_chapter

UNTRANSLATED = ("source", "omit")
RIGHT_TO_LEFT = ("ar", "fa", "he", "ur")

# The book's own words: one row per word, one column per language. English is the default;
# a language (or a word) not listed here keeps the English.
WORDS: dict[str, dict[str, str]] = {
    "contents": {"en": "Contents", "fr": "Table des matières", "es": "Índice", "ar": "المحتويات"},
    "appendix": {"en": "Appendix", "fr": "Annexe", "es": "Apéndice", "ar": "ملحق"},
    "glossary": {"en": "Glossary", "fr": "Glossaire", "es": "Glosario", "ar": "مسرد المصطلحات"},
    "review_record": {"en": "Review record", "fr": "Registre des relectures", "es": "Registro de revisiones",
                      "ar": "سجل المراجعة"},
    "draft": {"en": "DRAFT", "fr": "PROJET", "es": "BORRADOR", "ar": "مسودة"},
    "draft_cover": {"en": "DRAFT — not a released edition", "fr": "PROJET — édition non publiée",
                    "es": "BORRADOR — edición no publicada", "ar": "مسودة — ليست طبعة صادرة"},
    "working_draft": {"en": "Working draft", "fr": "Version de travail", "es": "Borrador de trabajo",
                      "ar": "مسودة عمل"},
    "edition": {"en": "Edition", "fr": "Édition", "es": "Edición", "ar": "الطبعة"},
    "figure": {"en": "Figure", "fr": "Figure", "es": "Figura", "ar": "الشكل"},
    "table": {"en": "Table", "fr": "Tableau", "es": "Tabla", "ar": "الجدول"},
    "untranslated": {
        "en": "Not yet translated into {language}: shown in the source language ({source}).",
        "fr": "Pas encore traduit en {language} : chapitre présenté dans la langue source ({source}).",
        "es": "Aún no traducido al {language}: se muestra en el idioma de origen ({source}).",
        "ar": "لم يترجم بعد إلى {language}: يعرض بلغة المصدر ({source}).",
    },
    "stale": {
        "en": "Translation of an earlier text of this chapter: the source has changed since.",
        "fr": "Traduction d'une version antérieure de ce chapitre : la source a changé depuis.",
        "es": "Traducción de una versión anterior de este capítulo: el original ha cambiado desde entonces.",
        "ar": "ترجمة لنص سابق من هذا الفصل: تغير المصدر منذ ذلك الحين.",
    },
    "folio": {"en": "page {n} of {total}", "fr": "page {n} sur {total}", "es": "página {n} de {total}",
              "ar": "صفحة {n} من {total}"},
    "front_folio": {"en": "page {n}", "fr": "page {n}", "es": "página {n}", "ar": "صفحة {n}"},
    # a chapter's byline: its lead jurisdiction and, in a language edition, its translators
    "lead": {"en": "Lead: {name}", "fr": "Juridiction pilote : {name}",
             "es": "Jurisdicción responsable: {name}", "ar": "الجهة المسؤولة: {name}"},
    "translated_by": {"en": "Translated by {names}", "fr": "Traduit par {names}",
                      "es": "Traducido por {names}", "ar": "ترجمة: {names}"},
    # a draft's banner on a translated chapter: the translation's state in the language
    "translation_banner": {"en": "Draft · {language} translation: {state}",
                           "fr": "Projet · traduction ({language}) : {state}",
                           "es": "Borrador · traducción ({language}): {state}",
                           "ar": "مسودة · الترجمة ({language}): {state}"},
    "state_current": {"en": "current, awaiting review", "fr": "à jour, en attente de relecture",
                      "es": "al día, pendiente de revisión", "ar": "محدَّثة، بانتظار المراجعة"},
    "state_approved": {"en": "approved", "fr": "approuvée", "es": "aprobada", "ar": "معتمدة"},
    "state_changes-requested": {"en": "changes requested", "fr": "modifications demandées",
                                "es": "cambios solicitados", "ar": "مطلوب إدخال تعديلات"},
    "state_stale": {"en": "stale (the source changed since)", "fr": "périmée (la source a changé depuis)",
                    "es": "desfasada (el original ha cambiado)", "ar": "متقادمة (تغيّر المصدر منذ ذلك الحين)"},
}


def labels_for(tag: str) -> dict[str, str]:
    """The book's own words in ``tag`` (by its primary subtag), English where unknown."""
    primary = tag.split("-")[0].lower()
    return {word: row.get(primary, row["en"]) for word, row in WORDS.items()}


def direction(tag: str) -> str:
    """'rtl' for a right-to-left script, else 'ltr'."""
    return "rtl" if tag.split("-")[0].lower() in RIGHT_TO_LEFT else "ltr"


@dataclass
class LanguageView:
    """The workspace as one language's edition sees it, and what the build should say about it."""

    workspace: Workspace
    language: str
    banners: dict[str, str] = field(default_factory=dict)
    omitted: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    translators: dict[str, tuple[str, ...]] = field(default_factory=dict)  # credited in the bylines
    chapter_languages: dict[str, str] = field(default_factory=dict)  # chapters kept in the source's

    def build_options(self) -> dict[str, Any]:
        """What BuildOptions takes from the view: the language, each chapter's banner and
        translators, and the chapters shown in the source language."""
        return {"language": self.language, "banners": self.banners, "translators": self.translators,
                "chapter_languages": self.chapter_languages}


def language_view(workspace: Workspace, language: str, states: Mapping[str, str],
                  untranslated: str = "source") -> LanguageView:
    """The workspace in ``language``. ``states`` is each chapter's translation state (from
    vimanual.status); ``untranslated`` says what becomes of a chapter with no translation:
    'source' keeps the source text under a banner, 'omit' leaves it out (named in ``omitted``)."""
    manual = workspace.manual
    language = manual.listed_language(language)
    if untranslated not in UNTRANSLATED:
        raise UnknownName("choice for untranslated chapters", untranslated, UNTRANSLATED)
    target = next(lang for lang in manual.languages if lang.tag == language)
    words = labels_for(language)
    translations = workspace.translations.get(language, {})
    view_manual = dataclasses.replace(manual, language=language, marking=target.marking or manual.marking)
    view = LanguageView(Workspace(root=workspace.root, manual=view_manual, broken=workspace.broken), language)
    for slug, chapter in workspace.chapters.items():
        translation = translations.get(slug)
        if translation is not None:
            view.workspace.chapters[slug] = translated_chapter(chapter, translation)
            view.translators[slug] = translation.translators or target.translators
            state = states.get(slug, "")
            view.banners[slug] = words["translation_banner"].format(
                language=target.name, state=words.get(f"state_{state}", state))
            if state == "stale":
                view.banners[slug] = words["stale"]
                view.problems.append(Problem(
                    translation.rel, None, "translates an earlier text of the source chapter (stale)",
                    f"update the translation; 'vimanual status {slug}' shows its state", "translation",
                    "warning"))
        elif untranslated == "source":
            view.workspace.chapters[slug] = chapter
            view.chapter_languages[slug] = manual.language
            view.banners[slug] = words["untranslated"].format(language=target.name, source=manual.language)
        else:
            view.omitted.append(slug)
    return view
