"""The DCAT-AP.de catalogue of a release: what portals (GovData, data.europa.eu, CKAN) harvest.

``vocab`` holds the controlled-vocabulary codes, ``datasets`` the dataset split and the part files,
``dates`` the issued/modified bookkeeping, ``graph`` the catalogue graph, ``step`` the build step and
``paging`` the Hydra pages served at ``/catalog``.
"""
