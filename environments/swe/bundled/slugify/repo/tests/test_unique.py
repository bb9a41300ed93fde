from slugify import UniqueSlugger
from slugify.__main__ import main


def test_repeated_titles_are_numbered():
    slugs = UniqueSlugger(taken={"about"})
    assert [slugs.slug(t) for t in ("About", "Release notes", "Release notes", "About")] == [
        "about-2", "release-notes", "release-notes-2", "about-3"]
    slugs.release("release-notes")
    assert slugs.slug("Release notes") == "release-notes" and len(slugs) == 5


def test_titles_without_letters_get_the_fallback():
    slugs = UniqueSlugger(fallback="post")
    assert slugs.slug("???") == "post" and slugs.slug("") == "post-2"


def test_command_line(capsys):
    assert main(["Hello World", "Hello World", "--unique"]) == 0
    assert capsys.readouterr().out.splitlines() == ["hello-world", "hello-world-2"]
    assert main(["Hello World", "--separator", "/"]) == 2
    assert "separator" in capsys.readouterr().err
