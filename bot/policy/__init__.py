"""Policies: working hours, cadence and risk, agendas, who fits whom."""
