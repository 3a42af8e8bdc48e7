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

from vimanual.base.errors import Problem, UnknownName
from vimanual.workspace.load import Chapter, Workspace
from vimanual.workspace.translations import Translation

UNTRANSLATED = ("source", "omit")
RIGHT_TO_LEFT = ("ar", "fa", "he", "ur")

# The book's own words. English is the default; a language not listed here keeps them.
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "contents": "Contents", "appendix": "Appendix", "glossary": "Glossary",
        "review_record": "Review record", "draft": "DRAFT", "draft_cover": "DRAFT — not a released edition",
        "working_draft": "Working draft", "edition": "Edition", "figure": "Figure", "table": "Table",
        "untranslated": "Not yet translated into {language}: shown in the source language ({source}).",
        "stale": "Translation of an earlier text of this chapter: the source has changed since.",
        "folio": "page {n} of {total}", "front_folio": "page {n}",
    },
    "fr": {
        "contents": "Table des matières", "appendix": "Annexe", "glossary": "Glossaire",
        "review_record": "Registre des relectures", "draft": "PROJET",
        "draft_cover": "PROJET — édition non publiée", "working_draft": "Version de travail",
        "edition": "Édition", "figure": "Figure", "table": "Tableau",
        "untranslated": ("Pas encore traduit en {language} : chapitre présenté dans la langue source "
                         "({source})."),
        "stale": "Traduction d'une version antérieure de ce chapitre : la source a changé depuis.",
        "folio": "page {n} sur {total}", "front_folio": "page {n}",
    },
    "es": {
        "contents": "Índice", "appendix": "Apéndice", "glossary": "Glosario",
        "review_record": "Registro de revisiones", "draft": "BORRADOR",
        "draft_cover": "BORRADOR — edición no publicada", "working_draft": "Borrador de trabajo",
        "edition": "Edición", "figure": "Figura", "table": "Tabla",
        "untranslated": "Aún no traducido al {language}: se muestra en el idioma de origen ({source}).",
        "stale": ("Traducción de una versión anterior de este capítulo: el original ha cambiado desde "
                  "entonces."),
        "folio": "página {n} de {total}", "front_folio": "página {n}",
    },
    "ar": {
        "contents": "المحتويات", "appendix": "ملحق", "glossary": "مسرد المصطلحات",
        "review_record": "سجل المراجعة", "draft": "مسودة", "draft_cover": "مسودة — ليست طبعة صادرة",
        "working_draft": "مسودة عمل", "edition": "الطبعة", "figure": "الشكل", "table": "الجدول",
        "untranslated": "لم يترجم بعد إلى {language}: يعرض بلغة المصدر ({source}).",
        "stale": "ترجمة لنص سابق من هذا الفصل: تغير المصدر منذ ذلك الحين.",
        "folio": "صفحة {n} من {total}", "front_folio": "صفحة {n}",
    },
}


def labels_for(tag: str) -> dict[str, str]:
    """The book's own words in ``tag`` (by its primary subtag), English where unknown."""
    return {**LABELS["en"], **LABELS.get(tag.split("-")[0].lower(), {})}


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


def _translated_chapter(chapter: Chapter, translation: Translation) -> Chapter:
    front = dataclasses.replace(chapter.front, title=translation.title, summary="")
    return Chapter(slug=chapter.slug, path=translation.path, front=front, body=translation.body,
                   body_line=translation.body_line, content_hash=translation.content_hash)


def language_view(workspace: Workspace, language: str, states: Mapping[str, str],
                  untranslated: str = "source") -> LanguageView:
    """The workspace in ``language``. ``states`` is each chapter's translation state (from
    vimanual.status); ``untranslated`` says what becomes of a chapter with no translation:
    'source' keeps the source text under a banner, 'omit' leaves it out (named in ``omitted``)."""
    manual = workspace.manual
    if language not in manual.language_tags:
        raise UnknownName("language", language, manual.language_tags,
                          fix=" (languages are listed under 'languages' in manual.yaml)")
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
            view.workspace.chapters[slug] = _translated_chapter(chapter, translation)
            if states.get(slug) == "stale":
                view.banners[slug] = words["stale"]
                view.problems.append(Problem(
                    translation.rel, None, "translates an earlier text of the source chapter (stale)",
                    f"update the translation; 'vimanual status {slug}' shows its state", "translation",
                    "warning"))
        elif untranslated == "source":
            view.workspace.chapters[slug] = chapter
            view.banners[slug] = words["untranslated"].format(language=target.name, source=manual.language)
        else:
            view.omitted.append(slug)
    return view
