"""Heterogeneous treatment effects: CATE learners, uplift curves and their honest evaluation."""
