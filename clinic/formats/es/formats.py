"""The clinic's one date style in Spanish (see clinic/formats/en/formats.py).

Day first, 24-hour clock: "30 de noviembre de 2026, 16:00"; short: "lun 30 nov 2026, 16:00";
appointments: "lunes 30 de noviembre de 2026, 16:00".
"""

DATE_FORMAT = r"j \d\e F \d\e Y"
DATETIME_FORMAT = r"j \d\e F \d\e Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "j b Y"  # b: the month in lower case, as Spanish writes it
SHORT_DATETIME_FORMAT = "D j b Y, H:i"
MONTH_DAY_FORMAT = r"j \d\e F"
