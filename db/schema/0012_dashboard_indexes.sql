-- The dashboard reads "the latest computed score of a (wrestler, section)": newest id first.
CREATE INDEX ix_section_scores_latest ON section_scores (wrestler_id, section_key, id DESC);
