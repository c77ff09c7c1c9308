//! Land-use classes of the Third National Land Survey (三调) and their 农用地/建设用地/未利用地 category.
