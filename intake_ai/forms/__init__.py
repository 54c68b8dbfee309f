"""One definition -> form pages, the answer schema, answer views and the stored records."""
