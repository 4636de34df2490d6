"""A frozen copy of the text renderer as it was before issue 15's text speed-up (main at 2cee080): layout.py,
glossary.py and text.py, unchanged but for their imports of each other (words.py, which the speed-up did not
change, is the library's own).

tests/test_text_reference.py renders every report both ways and asserts the same bytes. It is the reference of
the faster renderer, not code the library runs: change it only together with an intended change of the text
report's output (and then say so where that change is made).
"""
