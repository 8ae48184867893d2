# SPDX-License-Identifier: GPL-2.0
"""KTAP helpers shared by diopin's scripts (imported, never run)."""
import os
import re

FAILED = re.compile(r'^\s*# (\S+): (?:EXPECTATION|ASSERTION) FAILED at (\S+?):\d+\s*$')
RESULT = re.compile(r'^(\s*)(not ok|ok) \d+ (.*?)(?:\s+#\s*SKIP.*)?$')
SUBTEST = re.compile(r'^(\s*)# Subtest: (.*)$')
HEADER = re.compile(r'^\s*(KTAP version|1\.\.\d+|# module:|# \S+: pass:\d+)')
# a case's own diagnostic line (kunit_info(), KUnit's "should be marked slow"):
# it ends the failed assertion before it
DIAG = re.compile(r'^\s*# \S+: ')


def failed_assertions(ktap):
	"""{(suite.case, row or None): [one-line text of each failed assertion]}"""
	out, stack, diag = {}, [], []
	try:
		lines = open(ktap, errors='replace').read().splitlines()
	except OSError:
		return out
	for line in lines:
		m = SUBTEST.match(line)
		if m:
			stack.append((len(m.group(1)), m.group(2)))
			diag = []
			continue
		m = RESULT.match(line)
		if m:
			ind, name = len(m.group(1)), m.group(3)
			while stack and stack[-1][0] > ind:
				stack.pop()
			parents = [n for _, n in stack]
			if len(parents) == 1:
				key = (f'{parents[0]}.{name}', None)
			elif len(parents) >= 2:
				key = (f'{parents[0]}.{parents[1]}', name)
			else:
				key = None
			blocks, inblock = [], False
			for d in diag:
				f = FAILED.match(d)
				if f:
					blocks.append([os.path.basename(f.group(2)) + ':'])
					inblock = True
				elif DIAG.match(d) or HEADER.match(d):
					inblock = False
				elif inblock:
					blocks[-1].append(d.strip())
			if key:
				out[key] = [b[0] + ' ' + ' / '.join(b[1:]) for b in blocks]
			diag = []
			continue
		if not HEADER.match(line):
			diag.append(line)
	return out
