"""The ICP revised from evidence, and the next question to ask each lead.

``propose``: read the ICP the evidence proposes from the published copy and write it as a draft
next version of ``icp.yml``; ``next_question``: the forms tool's export of the next question per
open lead. No Prefect here.
"""
