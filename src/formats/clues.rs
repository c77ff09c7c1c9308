//! Remote-sensing clue lists (遥感线索): CSV, XLSX, or point/patch features.
