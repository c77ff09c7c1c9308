//! Map sheet numbers (GB/T 13989-2012).
