"""Rulebooks, one package per jurisdiction, one module per legal provision.

``eu`` holds the GDPR rules shared by EU member states; a member state's package adds its
national law and the national rules that applied before the GDPR (25 May 2018).
"""
