"""The official typologies the red-flag detectors cite, one constant each.

Titles paraphrase the documents (check the wording against the primary text
before quoting). The three route-switch citations are shared with
``route_switch`` so that the same document always carries the same id.
"""

from __future__ import annotations

from tradetrace.detect.findings import Citation
from tradetrace.detect.route_switch import EU_12G, FINCEN_2022, FINCEN_2023

__all__ = [
    "BIS_KYC",
    "EU_12G",
    "EU_EDD_2023",
    "FINCEN_2022",
    "FINCEN_2023",
    "FINCEN_2023_NOV",
    "UK_OTSI_2025",
]

FINCEN_2023_NOV = Citation(
    "FIN-2023-GLOBALEXPORT",
    "FinCEN & BIS joint notice (6 Nov 2023): red flags of export-control evasion, among them "
    "customers with little or no business history, intermediaries and shell companies in third "
    "countries, and transactions inconsistent with the goods or the customer's business",
    "https://bis.gov/press-release/fincen-and-us-department-commerces-bureau-industry-and-security-announce-new",
)
BIS_KYC = Citation(
    "15-CFR-732-Supp3",
    "BIS 'Know Your Customer' guidance and red flags (Supplement No. 3 to 15 CFR part 732): "
    "shipping route abnormal for the product and destination; customer with little or no business "
    "background; product capabilities that do not fit the buyer's line of business",
    "https://www.ecfr.gov/current/title-15/subtitle-B/chapter-VII/subchapter-C/part-732",
)
EU_EDD_2023 = Citation(
    "EU-EDD-2023-09",
    "European Commission, guidance for EU operators on enhanced due diligence against Russia "
    "sanctions circumvention (7 Sept 2023): counterparties established after 24 February 2022, "
    "transit through circumvention hubs, atypical routes and documents, common high priority items",
    "https://finance.ec.europa.eu/news/sanctions-commission-publishes-guidance-help-european-operators-"
    "assess-sanctions-circumvention-risks-2023-09-07_en",
)
UK_OTSI_2025 = Citation(
    "UK-OTSI-2025-01",
    "UK Office of Trade Sanctions Implementation, countering Russian sanctions evasion: guidance for "
    "exporters (January 2025): higher-risk goods (CHPL) and jurisdictions; red flags on products, "
    "prices, customers (new, co-located, shell-like) and destinations",
    "https://www.gov.uk/government/organisations/office-of-trade-sanctions-implementation",
)
